import { AtpAgent } from '@atproto/api'
import t from 'tap'
import { generateK256Key, startFleet, startPds, type Fleet } from '@entryway/testkit'
import { loadConfig } from '../src/index.js'
import { runDoctor } from '../src/doctor/run-doctor.js'
import type { CheckResult } from '../src/doctor/check.js'
import { listenOnFleet } from './in-process-gateway.js'

// `entryway doctor` against a real deployment on loopback: PLC, a PDS in entryway mode, the
// gateway (in-process), a mail sink; all green, then faults made on purpose, each turning its
// own line red with the right fix.

const byName = (results: CheckResult[], name: string | RegExp) =>
  results.filter((r) => (typeof name === 'string' ? r.name === name : name.test(r.name)))
const failed = (results: CheckResult[]) => results.filter((r) => r.status === 'fail')
const listing = (results: CheckResult[]) =>
  results
    .map((r) => `${r.status} ${r.name}: ${r.detail}${r.fix ? ` | fix: ${r.fix}` : ''}`)
    .join('\n')

let fleet: Fleet
t.before(async () => {
  fleet = await startFleet({
    pdsCount: 1,
    gateway: false,
    ...(process.env.TEST_REDIS_URL
      ? {
          gatewayEnv: {
            ENTRYWAY_REDIS_URL: process.env.TEST_REDIS_URL,
            ENTRYWAY_REDIS_PREFIX: `doctor-${process.pid}-`,
          },
        }
      : {}),
  })
})
t.teardown(() => fleet?.stop())

t.test(
  'doctor: all green on a healthy deployment, then each fault turns its line red',
  async (t) => {
    await listenOnFleet(t, fleet)
    const agent = new AtpAgent({ service: fleet.entryway.url })
    await agent.createAccount({
      email: 'alice@mail.test',
      handle: 'alice.test',
      password: 'alice-pass',
    })
    const { cfg, secrets } = loadConfig(fleet.gatewayEnv)
    // alice.test resolves to loopback only for the doctor (its --resolve)
    const doctor = (c = cfg) =>
      runDoctor(c, secrets, {
        gatewayUrl: fleet.entryway.url,
        resolve: new Map([['test', '127.0.0.1']]),
      })

    const green = await doctor()
    t.same(failed(green), [], listing(green))
    const pds = fleet.pds[0]!
    for (const line of [
      'reachable',
      'DID',
      "accepts the Entryway's tokens",
      'authorization server',
      'clock',
      'X-Forwarded-For trusted',
    ]) {
      t.equal(byName(green, `pds ${pds.url} ${line}`)[0]?.status, 'ok', line)
    }
    t.match(byName(green, 'smtp')[0], { status: 'ok', detail: /accepted EHLO/ })
    t.match(byName(green, 'plc')[0], { status: 'ok' })
    t.match(byName(green, 'public handle domain')[0], {
      status: 'ok',
      detail: new RegExp(
        `alice\\.test:${fleet.entryway.port}/\\.well-known/atproto-did → did:plc:`,
      ),
    })
    t.match(byName(green, 'public WebSocket /xrpc')[0], {
      status: 'ok',
      detail: /upgrades \(101\)/,
    })
    for (const prefix of [
      '/xrpc',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-authorization-server',
      '/oauth',
      '/@atproto',
    ]) {
      t.equal(byName(green, `public ${prefix}`)[0]?.status, 'ok', prefix)
    }
    if (process.env.TEST_REDIS_URL)
      t.match(byName(green, 'redis')[0], { status: 'ok', detail: /PONG/ })

    t.test('fault: a PDS configured with another JWT key', async (t) => {
      const other = await generateK256Key()
      const wrong = await startPds({
        name: 'pds wrong key',
        plcUrl: fleet.plc.url,
        entryway: { ...fleet.entryway, jwtPublicKeyHex: other.publicKeyHex },
        adminPassword: fleet.adminPassword,
        handleDomains: fleet.handleDomains,
      })
      t.teardown(() => wrong.stop())
      const basic = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`
      const add = await fetch(`${fleet.entryway.url}/xrpc/com.entryway.admin.addHost`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify({ url: wrong.url, did: wrong.did, status: 'registered' }),
      })
      t.equal(add.status, 200, await add.clone().text())
      const results = await doctor()
      t.same(
        failed(results).map((r) => r.name),
        [`pds ${wrong.url} accepts the Entryway's tokens`],
        listing(results),
      )
      const line = byName(results, `pds ${wrong.url} accepts the Entryway's tokens`)[0]!
      t.match(line.detail, /refused a token the Entryway signed: 400 InvalidToken/)
      t.equal(
        line.fix,
        `set the PDS's PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX=${fleet.keys.jwt.publicKeyHex} and restart it`,
      )
      t.equal(
        byName(results, `pds ${pds.url} accepts the Entryway's tokens`)[0]?.status,
        'ok',
        'the good PDS stays green',
      )
      const { id } = ((await add.json()) as { host: { id: string } }).host
      await fetch(`${fleet.entryway.url}/xrpc/com.entryway.admin.updateHost`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json' },
        body: JSON.stringify({ host: String(id), status: 'retired' }),
      })
    })

    t.test("fault: the Entryway does not trust the PDS's X-Forwarded-For", async (t) => {
      const results = await doctor({
        ...cfg,
        service: { ...cfg.service, trustProxy: '10.0.0.0/8' },
      })
      t.same(
        failed(results).map((r) => r.name),
        [`pds ${pds.url} X-Forwarded-For trusted`],
        listing(results),
      )
      t.match(
        failed(results)[0]!.fix,
        /^add (127\.0\.0\.1|::1)(,(127\.0\.0\.1|::1))* to ENTRYWAY_TRUST_PROXY \(now 10\.0\.0\.0\/8\)$/,
      )
    })

    t.test('fault: the mail server is stopped', async (t) => {
      await fleet.mail!.stop()
      const results = await doctor()
      t.same(
        failed(results).map((r) => r.name),
        ['smtp'],
        listing(results),
      )
      t.match(failed(results)[0], { detail: /ECONNREFUSED/, fix: /ENTRYWAY_SMTP_URL/ })
    })
  },
)
