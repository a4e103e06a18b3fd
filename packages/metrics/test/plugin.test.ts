import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { xrpcErrorHandler, AuthRequiredError, RateLimitExceededError } from '@entryway/xrpc'
import { entrywayMetrics, type MetricsPluginOptions } from '../src/index.js'

async function build(t: Test, opts: MetricsPluginOptions = {}) {
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  await app.register(entrywayMetrics, { defaultMetrics: false, ...opts })
  app.get('/xrpc/app.test.ok/:id', async () => ({ ok: true }))
  app.post('/xrpc/com.atproto.server.createSession', async () => {
    throw new AuthRequiredError('Invalid identifier or password')
  })
  app.get('/limited', async () => {
    throw new RateLimitExceededError('slow down')
  })
  t.teardown(() => app.close())
  return app
}

const value = (text: string, line: string) => {
  const l = text.split('\n').find((x) => x.startsWith(line + ' '))
  return l ? Number(l.slice(line.length + 1)) : 0
}

t.test('counts requests by route pattern and status, and serves /metrics', async (t) => {
  const app = await build(t)
  await app.inject('/xrpc/app.test.ok/1')
  await app.inject('/xrpc/app.test.ok/2')
  await app.inject('/nowhere/secret-looking-path')
  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/plain/)
  t.equal(
    value(
      res.body,
      'entryway_http_requests_total{route="/xrpc/app.test.ok/:id",method="GET",status="200"}',
    ),
    2,
  )
  t.equal(
    value(res.body, 'entryway_http_requests_total{route="__unmatched",method="GET",status="404"}'),
    1,
  )
  t.notMatch(res.body, /secret-looking-path/, 'raw URLs never become labels')
  t.match(
    res.body,
    /entryway_http_request_duration_seconds_bucket\{le="0.001",route="\/xrpc\/app.test.ok\/:id"/,
  )
})

t.test('login failures by XRPC error, rate-limit hits by route', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'POST', url: '/xrpc/com.atproto.server.createSession', payload: {} })
  await app.inject('/limited')
  const body = (await app.inject('/metrics')).body
  t.equal(value(body, 'entryway_login_failures_total{reason="AuthenticationRequired"}'), 1)
  t.equal(value(body, 'entryway_rate_limit_hits_total{limit="/limited"}'), 1)
})

t.test('reports from other plugins, cache ratio gauge', async (t) => {
  const app = await build(t)
  const m = app.entrywayMetrics
  m.upstream('http://pds1.test', 200, 0.004)
  m.accountPlaced('http://pds1.test')
  m.cacheLookup('did', true)
  m.cacheLookup('did', true)
  m.cacheLookup('did', false)
  m.cacheLookup('did', true)
  const body = (await app.inject('/metrics')).body
  t.equal(
    value(body, 'entryway_upstream_duration_seconds_count{host="http://pds1.test",status="200"}'),
    1,
  )
  t.equal(value(body, 'entryway_accounts_placed_total{host="http://pds1.test"}'), 1)
  t.equal(value(body, 'entryway_cache_lookups_total{cache="did",result="hit"}'), 3)
  t.equal(value(body, 'entryway_cache_hit_ratio{cache="did"}'), 0.75)
})

t.test('cache entries and bytes are read from each registered cache when scraped', async (t) => {
  const app = await build(t)
  const held = { entries: 3, bytes: 1200 }
  app.entrywayMetrics.cacheUsage('token', () => held)
  let body = (await app.inject('/metrics')).body
  t.equal(value(body, 'entryway_cache_entries{cache="token"}'), 3)
  t.equal(value(body, 'entryway_cache_bytes{cache="token"}'), 1200)
  held.entries = 5
  held.bytes = 2000
  body = (await app.inject('/metrics')).body
  t.equal(value(body, 'entryway_cache_entries{cache="token"}'), 5, 'read at scrape time')
  t.equal(value(body, 'entryway_cache_bytes{cache="token"}'), 2000)
})

t.test('two instances in one process keep separate registries', async (t) => {
  const a = await build(t, { defaultMetrics: true })
  const b = await build(t, { defaultMetrics: true })
  await a.inject('/xrpc/app.test.ok/1')
  const bb = (await b.inject('/metrics')).body
  t.equal(
    value(
      bb,
      'entryway_http_requests_total{route="/xrpc/app.test.ok/:id",method="GET",status="200"}',
    ),
    0,
  )
  t.match(bb, /entryway_process_resident_memory_bytes/)
})

t.test('a token guards the scrape route', async (t) => {
  const app = await build(t, { token: 'a-long-scrape-token-123' })
  const no = await app.inject('/metrics')
  t.equal(no.statusCode, 401)
  t.same(no.json(), { error: 'AuthenticationRequired', message: 'A metrics token is required' })
  const bad = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } })
  t.equal(bad.statusCode, 401)
  const ok = await app.inject({
    url: '/metrics',
    headers: { authorization: 'Bearer a-long-scrape-token-123' },
  })
  t.equal(ok.statusCode, 200)
})
