import t from 'tap'
import { createServer } from 'node:net'
import { sql } from 'kysely'
import { DatabaseUnavailableError, isDatabaseUnavailable, openDatabase } from '../src/index.js'

t.test('connection failures are recognised, query errors are not', async (t) => {
  t.ok(
    isDatabaseUnavailable(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ),
  )
  t.ok(
    isDatabaseUnavailable(
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      }),
    ),
  )
  t.ok(
    isDatabaseUnavailable(
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    ),
  )
  t.ok(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '08006' })))
  t.ok(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect')))
  t.ok(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')))
  t.ok(
    isDatabaseUnavailable(
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
    ),
  )
  t.notOk(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' })))
  t.notOk(isDatabaseUnavailable(Object.assign(new Error('syntax error'), { code: '42601' })))
  t.notOk(isDatabaseUnavailable(null))
})

t.test(
  'a Postgres that is not there: queries fail fast with DatabaseUnavailableError, statusCode 503',
  async (t) => {
    // a port that was free a moment ago: connection refused
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
    const port = (probe.address() as { port: number }).port
    await new Promise((r) => probe.close(r))
    const errors: Error[] = []
    // Fast means refused, not waited out: a long connection timeout makes the difference plain
    // (an absolute time would measure the machine's load instead).
    const database = await openDatabase({
      url: `postgres://nobody@127.0.0.1:${port}/none`,
      connectionTimeoutMs: 60_000,
      onPoolError: (e) => errors.push(e),
    })
    t.teardown(() => database.close())
    const err = await sql`select 1`.execute(database.db).then(
      () => null,
      (e: unknown) => e,
    )
    t.ok(err instanceof DatabaseUnavailableError, `got ${String(err)}`)
    t.equal(
      ((err as Error).cause as { code?: string } | undefined)?.code,
      'ECONNREFUSED',
      'the refusal itself, not the connection timeout',
    )
    // the XRPC error handler answers statusCode 503 errors as 503 ServiceUnavailable
    t.equal((err as DatabaseUnavailableError).statusCode, 503)
    t.equal((err as Error).message, 'Database unavailable')
  },
)
