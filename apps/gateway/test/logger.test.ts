import t from 'tap'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { LogController } from 'fastify'
import { loggableUrl, REDACT_PATHS, registerRequestLog } from '../src/logger.js'

t.test('secret query values are redacted from logged URLs', async (t) => {
  t.equal(
    loggableUrl('/xrpc/app.bsky.feed.getTimeline?limit=5'),
    '/xrpc/app.bsky.feed.getTimeline?limit=5',
  )
  t.equal(
    loggableUrl('/admin/oauth/callback?code=abc&state=xyz&iss=x'),
    '/admin/oauth/callback?code=[redacted]&state=[redacted]&iss=x',
  )
  t.equal(loggableUrl('/confirm?token=t1&email=a%40b'), '/confirm?token=[redacted]&email=a%40b')
  t.equal(loggableUrl('/x?api_key=k1&apikey=k2'), '/x?api_key=[redacted]&apikey=[redacted]')
  const getRecord =
    '/xrpc/com.atproto.repo.getRecord?repo=did:plc:a&collection=app.bsky.feed.post&rkey=3k'
  t.equal(
    loggableUrl(getRecord),
    getRecord,
    'a record key is not a secret: the URL is logged as it came',
  )
})

t.test('one line per request, no credential anywhere in it', async (t) => {
  const { lines, stream } = lineSink()
  const app = Fastify({
    logger: { level: 'info', stream, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    logController: new LogController({ disableRequestLogging: true }),
  })
  registerRequestLog(app)
  app.post('/login', async (req) => {
    // a careless handler logging what it got must not leak it either
    req.log.info({ body: req.body, headers: req.headers }, 'handler saw')
    return { accessJwt: 'eyJ.secret-access', refreshJwt: 'eyJ.secret-refresh' }
  })
  t.teardown(() => app.close())
  const res = await app.inject({
    method: 'POST',
    url: '/login?token=query-secret',
    headers: { authorization: 'Bearer header-secret', cookie: 'sid=cookie-secret' },
    payload: { identifier: 'alice.test', password: 'body-secret' },
  })
  t.equal(res.statusCode, 200)
  const all = lines.join('\n')
  for (const s of [
    'header-secret',
    'cookie-secret',
    'body-secret',
    'query-secret',
    'secret-access',
  ])
    t.notOk(all.includes(s), `no ${s}`)
  const done = lines.map((l) => JSON.parse(l)).filter((e) => e.msg === 'request completed')
  t.equal(done.length, 1)
  t.match(done[0], {
    method: 'POST',
    url: '/login?token=[redacted]',
    route: '/login',
    statusCode: 200,
    responseTime: Number,
    ip: '127.0.0.1',
  })
  t.match(all, /alice\.test/, 'non-secret fields are still logged')
})

t.test(
  'above info, no request line and no per-request hook; warnings still reach the log',
  async (t) => {
    const { lines, stream } = lineSink()
    const app = Fastify({
      logger: { level: 'warn', stream },
      logController: new LogController({ disableRequestLogging: true }),
    })
    registerRequestLog(app)
    app.get('/x', async (req) => {
      req.log.warn('handler warned')
      return { ok: true }
    })
    t.teardown(() => app.close())
    await app.ready()
    t.notOk(app.printRoutes({ includeHooks: true }).includes('onResponse'), 'no onResponse hook')
    t.equal((await app.inject({ url: '/x' })).statusCode, 200)
    const msgs = lines.map((l) => JSON.parse(l).msg)
    t.same(msgs, ['handler warned'])
  },
)

/** A log destination that keeps each JSON line written to it. */
function lineSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  return { lines, stream }
}
