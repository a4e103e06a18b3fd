import t from 'tap'
import { Writable } from 'node:stream'
import Fastify, { LogController } from 'fastify'
import { deferredChildLogger } from '../src/deferred-child-logger.js'

t.test(
  'request loggers are made on first use, with the request id and the route level',
  async (t) => {
    const lines: Array<Record<string, unknown>> = []
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
        done()
      },
    })
    const app = Fastify({
      logger: { level: 'info', stream },
      childLoggerFactory: deferredChildLogger,
      logController: new LogController({ disableRequestLogging: true }),
    })
    let children = 0
    const child = app.log.child.bind(app.log)
    app.log.child = (...args: Parameters<typeof child>) => {
      children++
      return child(...args)
    }
    // Fastify types its logger without pino's isLevelEnabled, which the real logger has
    type Leveled = { isLevelEnabled(level: string): boolean }
    app.get('/quiet', async (req) => ({
      info: (req.log as unknown as Leveled).isLevelEnabled('info'),
      debug: (req.log as unknown as Leveled).isLevelEnabled('debug'),
    }))
    app.get('/talks', async (req) => {
      req.log.info({ n: 1 }, 'hello')
      req.log.debug('dropped: below the level')
      return { ok: true }
    })
    app.get('/strict', { logLevel: 'error' }, async (req) => {
      req.log.warn('dropped: the route logs errors only')
      req.log.error('kept')
      return { ok: true }
    })
    t.teardown(() => app.close())

    const quiet = await app.inject('/quiet')
    t.same(quiet.json(), { info: true, debug: false }, 'levels answered without a child')
    t.equal(children, 0, 'no pino child for a request that logs nothing')

    await app.inject({ url: '/talks', headers: { 'request-id': 'x' } })
    t.equal(children, 1)
    const hello = lines.find((l) => l.msg === 'hello')!
    t.ok(hello, 'the line is written')
    t.match(hello, { n: 1, level: 30 })
    t.type(hello.reqId, 'string', 'with the request id binding')
    t.notOk(
      lines.some((l) => String(l.msg).startsWith('dropped: below')),
      'levels still filter',
    )

    await app.inject('/strict')
    t.notOk(
      lines.some((l) => String(l.msg).startsWith('dropped: the route')),
      "the route's logLevel applies",
    )
    t.ok(lines.some((l) => l.msg === 'kept'))
  },
)
