import t from 'tap'
import { readFileSync } from 'node:fs'
import { startFleet } from '@entryway/testkit'
import { post, signupInput } from './multi-instance-helpers.js'

// A real PDS and a gateway process: about half a minute on a shared machine.
t.setTimeout(180_000)

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1)) : 0
}

/**
 * Seen from outside: /metrics families move with traffic (sign-up, failed and good sign-ins, a
 * proxied call, a rate-limited flood), and the gateway's stdout has one JSON line per request
 * with no password, token or Authorization value in it.
 */
t.test('metrics move with traffic; logs are one redacted JSON line per request', async (t) => {
  const fleet = await startFleet({
    pdsCount: 1,
    mail: false,
    gatewayEnv: { ENTRYWAY_INCLUDE_DID_DOC: 'false', ENTRYWAY_LOG_LEVEL: 'info' },
  })
  t.teardown(() => fleet.stop())
  const g = fleet.gateway!
  const E = `http://127.0.0.1:${g.port}`
  const pdsUrl = fleet.pds[0]!.url
  const scrape = async () => {
    const res = await fetch(`${E}/metrics`)
    t.equal(res.status, 200)
    return res.text()
  }
  const before = await scrape()

  const user = signupInput('met', fleet.handleDomains[0]!)
  const created = await post(E, 'com.atproto.server.createAccount', user)
  t.equal(created.status, 200, 'signed up')
  const bad = await post(E, 'com.atproto.server.createSession', {
    identifier: user.handle,
    password: 'not-the-password',
  })
  t.equal(bad.status, 401)
  const good = await post(E, 'com.atproto.server.createSession', {
    identifier: user.handle,
    password: user.password,
  })
  t.equal(good.status, 200)
  const did = good.body.did as string
  const auth = { authorization: `Bearer ${good.body.accessJwt}` }
  for (let i = 0; i < 2; i++) {
    const res = await fetch(
      `${E}/xrpc/com.atproto.repo.listRecords?repo=${did}&collection=app.bsky.feed.post`,
      { headers: auth },
    )
    t.equal(res.status, 200, 'proxied to the PDS')
  }
  // a flood on an unknown identifier: 30 answered, then 429
  const flood: number[] = []
  for (let i = 0; i < 31; i++)
    flood.push(
      (
        await post(E, 'com.atproto.server.createSession', {
          identifier: 'flood.test',
          password: 'x',
        })
      ).status,
    )
  t.equal(flood.at(-1), 429)

  const after = await scrape()
  const grew = (series: string, by = 1) => {
    const d = sample(after, series) - sample(before, series)
    t.ok(d >= by, `${series} +${d}`)
  }
  grew(
    'entryway_http_requests_total{route="/xrpc/com.atproto.server.createSession",method="POST",status="401"}',
    31,
  )
  grew(
    'entryway_http_requests_total{route="/xrpc/com.atproto.server.createSession",method="POST",status="200"}',
  )
  grew('entryway_http_requests_total{route="/xrpc/*",method="GET",status="200"}', 2)
  grew(`entryway_upstream_duration_seconds_count{host="${fleet.pds[0]!.did}",status="200"}`, 2)
  grew(`entryway_accounts_placed_total{host="${pdsUrl}"}`)
  grew('entryway_login_failures_total{reason="AuthenticationRequired"}', 31)
  grew('entryway_rate_limit_hits_total{limit="/xrpc/com.atproto.server.createSession"}')
  grew('entryway_cache_lookups_total{cache="token",result="miss"}')
  grew('entryway_cache_lookups_total{cache="token",result="hit"}')
  t.ok(
    sample(after, 'entryway_cache_lookups_total{cache="did",result="hit"}') +
      sample(after, 'entryway_cache_lookups_total{cache="did",result="miss"}') >
      0,
    'DID cache lookups counted',
  )
  t.match(
    after,
    /entryway_cache_hit_ratio\{cache="token"\} 0\.\d+|entryway_cache_hit_ratio\{cache="token"\} 1/,
  )
  t.match(after, /entryway_process_resident_memory_bytes \d+/)

  t.test('logs', async (t) => {
    const text = readFileSync(g.logFile, 'utf8')
    const lines = text.split('\n').filter((l) => l.startsWith('{'))
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    t.ok(entries.length >= 36, `${entries.length} JSON lines`)
    const secrets = {
      password: user.password,
      accessJwt: good.body.accessJwt as string,
      refreshJwt: good.body.refreshJwt as string,
      signupAccessJwt: created.body.accessJwt as string,
      adminPassword: fleet.adminPassword,
      jwtKey: fleet.keys.jwt.privateKeyHex,
    }
    for (const [name, value] of Object.entries(secrets))
      t.notOk(text.includes(value), `no ${name} in the log`)
    t.notMatch(text, /Bearer /, 'no Authorization value')
    t.notMatch(text, /incoming request/, "Fastify's own per-request lines are off")
    const done = entries.filter((e) => e.msg === 'request completed')
    const byReq = new Map<string, number>()
    for (const e of done) byReq.set(String(e.reqId), (byReq.get(String(e.reqId)) ?? 0) + 1)
    t.ok(
      [...byReq.values()].every((n) => n === 1),
      'one line per request id',
    )
    const logins = done.filter((e) => e.url === '/xrpc/com.atproto.server.createSession')
    t.ok(logins.length >= 33, `a line per sign-in (${logins.length})`)
    t.match(logins[0], {
      level: 30,
      method: 'POST',
      route: '/xrpc/com.atproto.server.createSession',
      statusCode: Number,
      responseTime: Number,
    })
    const proxied = done.filter((e) =>
      String(e.url).startsWith('/xrpc/com.atproto.repo.listRecords'),
    )
    t.equal(proxied.length, 2, 'a line per proxied request')
  })
})
