import { readFileSync } from 'node:fs'
import { AtpAgent } from '@atproto/api'
import t from 'tap'
import { Agent, getGlobalDispatcher, request, setGlobalDispatcher } from 'undici'
import { getFreePort, startFleet, type Fleet } from '@entryway/testkit'
import { loadConfig } from '../src/index.js'
import { runDoctor } from '../src/doctor/run-doctor.js'
import { probeLookup } from '../src/doctor/probe-client.js'
import type { CheckResult } from '../src/doctor/check.js'
import { listenOnFleet } from './in-process-gateway.js'
import { caddyBinary, SHIPPED_CADDYFILE, startCaddy, type CaddyHandle } from './caddy-helpers.js'

// docker/Caddyfile in front of a real gateway and PDS, with Caddy's internal CA (`tls internal`,
// no internet): the service at https://entryway.example.test:<port>, handles under .example.test
// with certificates on demand; names under example.test resolve to loopback in the client only.

const DOMAIN = 'example.test'
const SERVICE_HOST = `entryway.${DOMAIN}`
const PROFILE_URL = 'https://bsky.app/profile/{did}'
const failed = (results: CheckResult[]) => results.filter((r) => r.status === 'fail')
const listing = (results: CheckResult[]) =>
  results
    .map((r) => `${r.status} ${r.name}: ${r.detail}${r.fix ? ` | fix: ${r.fix}` : ''}`)
    .join('\n')

if (!caddyBinary()) {
  if (process.env.CI)
    t.fail(
      'caddy is not installed: .ci/run installs the Debian package caddy; the reverse-proxy test cannot run without it',
    )
  else
    t.test(
      'the reverse-proxy test',
      { skip: 'caddy is not installed (apt-get install -y caddy); in CI this fails' },
      () => {},
    )
} else {
  let fleet: Fleet
  let caddy: CaddyHandle
  let httpsPort: number
  const resolve = new Map([[DOMAIN, '127.0.0.1']])
  const caddyEnv = () => ({
    ENTRYWAY_HOSTNAME: SERVICE_HOST,
    ENTRYWAY_HANDLE_DOMAIN: DOMAIN,
    ENTRYWAY_UPSTREAM: `127.0.0.1:${fleet.entryway.port}`,
  })

  t.before(async () => {
    httpsPort = await getFreePort()
    const publicUrl = `https://${SERVICE_HOST}:${httpsPort}`
    fleet = await startFleet({
      pdsCount: 1,
      gateway: false,
      mail: false,
      handleDomains: [`.${DOMAIN}`],
      // the PDS names the Entryway's public URL as its OAuth issuer
      pdsEnv: { PDS_ENTRYWAY_URL: publicUrl },
      gatewayEnv: { ENTRYWAY_PUBLIC_URL: publicUrl, ENTRYWAY_HANDLE_PROFILE_URL: PROFILE_URL },
    })
    caddy = await startCaddy({
      caddyfile: readFileSync(SHIPPED_CADDYFILE, 'utf8'),
      env: caddyEnv(),
      httpsPort,
    })
  })
  t.teardown(async () => {
    await caddy?.stop()
    await fleet?.stop()
  })

  t.test(
    'through Caddy: sign-up, a handle over HTTPS, OAuth discovery, the ask endpoint, the doctor',
    async (t) => {
      await listenOnFleet(t, fleet)
      const { cfg, secrets } = loadConfig(fleet.gatewayEnv)
      const publicUrl = cfg.service.publicUrl
      // every fetch of this test (AtpAgent's too) trusts Caddy's CA and resolves example.test to loopback
      const previous = getGlobalDispatcher()
      const agent = new Agent({
        connect: {
          ca: readFileSync(caddy.rootCaFile, 'utf8'),
          lookup: probeLookup(resolve),
        },
      })
      setGlobalDispatcher(agent)
      t.teardown(async () => {
        setGlobalDispatcher(previous)
        await agent.close()
      })

      const atp = new AtpAgent({ service: publicUrl })
      const signup = await atp.createAccount({
        email: 'alice@mail.test',
        handle: `alice.${DOMAIN}`,
        password: 'alice-pass',
      })
      t.match(
        signup.data,
        { handle: `alice.${DOMAIN}`, did: /^did:plc:/ },
        'signed up through the Caddy URL',
      )
      const did = signup.data.did

      const wellKnown = await request(
        `https://alice.${DOMAIN}:${httpsPort}/.well-known/atproto-did`,
      )
      t.equal(wellKnown.statusCode, 200)
      t.equal(
        (await wellKnown.body.text()).trim(),
        did,
        "the handle resolves through its own subdomain's HTTPS well-known (certificate on demand)",
      )

      const root = await request(`https://alice.${DOMAIN}:${httpsPort}/`)
      await root.body.dump()
      t.equal(root.statusCode, 302)
      t.equal(
        root.headers.location,
        `https://bsky.app/profile/${encodeURIComponent(did)}`,
        "/ on the handle's domain goes to the profile",
      )

      // OAuth discovery as a client does it: the resource names its authorization server, whose
      // metadata says it is that issuer; the PDS hosting the account names the same server
      const resource = (await (
        await request(`${publicUrl}/.well-known/oauth-protected-resource`)
      ).body.json()) as { authorization_servers: string[] }
      t.same(resource.authorization_servers, [publicUrl])
      const asMeta = (await (
        await request(`${resource.authorization_servers[0]}/.well-known/oauth-authorization-server`)
      ).body.json()) as Record<string, string>
      t.equal(asMeta.issuer, publicUrl)
      t.equal(asMeta.pushed_authorization_request_endpoint, `${publicUrl}/oauth/par`)
      const jwks = await request(asMeta.jwks_uri!)
      t.equal(jwks.statusCode, 200, 'jwks_uri through Caddy')
      t.ok(Array.isArray(((await jwks.body.json()) as { keys: unknown }).keys), 'a JWK set')
      const pdsResource = (await (
        await request(`${fleet.pds[0]!.url}/.well-known/oauth-protected-resource`)
      ).body.json()) as { authorization_servers: string[] }
      t.same(
        pdsResource.authorization_servers,
        [publicUrl],
        "the PDS's metadata names the Entryway behind Caddy",
      )

      // a name that is no handle: the ask endpoint says no, so Caddy gets no certificate for it
      const ask = await request(
        `http://127.0.0.1:${fleet.entryway.port}/tls/ask?domain=nobody.${DOMAIN}`,
      )
      await ask.body.dump()
      t.equal(ask.statusCode, 404)
      await t.rejects(
        request(`https://nobody.${DOMAIN}:${httpsPort}/.well-known/atproto-did`),
        /alert|SSL|TLS|socket/i,
        'no certificate for a name that is not a handle',
      )

      const results = await runDoctor(cfg, secrets, {
        gatewayUrl: `http://127.0.0.1:${fleet.entryway.port}`,
        resolve,
        caFile: caddy.rootCaFile,
      })
      t.same(failed(results), [], listing(results))
      t.match(
        results.find((r) => r.name === `TLS ${SERVICE_HOST}`),
        { status: 'ok', detail: /^valid, issued by Caddy Local Authority/ },
      )
      t.match(
        results.find((r) => r.name === `TLS alice.${DOMAIN}`),
        { status: 'ok' },
      )
      t.match(
        results.find((r) => r.name === 'public WebSocket /xrpc'),
        { status: 'ok', detail: /^wss:.*upgrades \(101\)/ },
      )
      t.match(
        results.find((r) => r.name === 'public handle domain'),
        { status: 'ok' },
      )

      t.test('fault: a proxy that does not pass /oauth', async (t) => {
        await caddy.stop()
        const shipped = readFileSync(SHIPPED_CADDYFILE, 'utf8')
        const broken = shipped.replace(
          /^(\treverse_proxy .*)$/m,
          '\t@oauth path /oauth/*\n\trespond @oauth 404\n$1',
        )
        t.not(broken, shipped, 'the variant differs')
        caddy = await startCaddy({ caddyfile: broken, env: caddyEnv(), httpsPort })
        const results = await runDoctor(cfg, secrets, {
          gatewayUrl: `http://127.0.0.1:${fleet.entryway.port}`,
          resolve,
          caFile: caddy.rootCaFile,
        })
        t.same(
          failed(results).map((r) => r.name),
          ['public /oauth'],
          listing(results),
        )
        t.match(failed(results)[0], {
          detail: /\/oauth\/jwks answered 404 .* the gateway itself 200/,
          fix: /^\/oauth: pass it to the gateway in the reverse proxy/,
        })
      })
    },
  )
}
