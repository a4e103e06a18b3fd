import type { DatabaseConnection, Dialect, Driver, QueryResult, CompiledQuery } from 'kysely'

/**
 * Postgres could not be reached or dropped the connection (a restart, a failover, the pool's
 * connection timeout). Carries `statusCode` 503 so the XRPC error handler answers
 * `503 ServiceUnavailable` instead of a 500: the client may retry, nothing is wrong with the request.
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
  readonly code = 'ERR_DATABASE_UNAVAILABLE'
  readonly statusCode = 503
  constructor(options?: { cause?: unknown }) {
    super('Database unavailable', options)
  }
}

/** Socket-level failures of the connection to Postgres. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])
/** SQLSTATEs: admin/crash shutdown, cannot connect now (starting up / shutting down), too many connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300'])
/** What pg and pg-pool say without a code. */
const MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|not queryable|Client was closed|Connection ended unexpectedly/i

/** True for errors that mean "the database is not there right now" rather than "this query is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof DatabaseUnavailableError) return true
    const code = typeof e.code === 'string' ? e.code : ''
    // class 08: connection exception
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
      return true
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true
    e = e.cause as typeof e
  }
  return false
}

const mapError = (err: unknown): unknown =>
  isDatabaseUnavailable(err) && !(err instanceof DatabaseUnavailableError)
    ? new DatabaseUnavailableError({ cause: err })
    : err

const patched = new WeakSet<DatabaseConnection>()

/** Rewrites the connection's query methods in place (kysely keeps one connection object per client). */
function patch(conn: DatabaseConnection): DatabaseConnection {
  if (patched.has(conn)) return conn
  patched.add(conn)
  const execute = conn.executeQuery.bind(conn)
  const stream = conn.streamQuery.bind(conn)
  conn.executeQuery = async <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
    try {
      return await execute<R>(q)
    } catch (err) {
      throw mapError(err)
    }
  }
  conn.streamQuery = async function* <R>(
    q: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* stream<R>(q, chunkSize as number)
    } catch (err) {
      throw mapError(err)
    }
  }
  return conn
}

class UnavailableMappingDriver implements Driver {
  constructor(private readonly inner: Driver) {
    if (inner.savepoint) this.savepoint = inner.savepoint.bind(inner)
    if (inner.rollbackToSavepoint) this.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner)
    if (inner.releaseSavepoint) this.releaseSavepoint = inner.releaseSavepoint.bind(inner)
  }
  savepoint?: Driver['savepoint']
  rollbackToSavepoint?: Driver['rollbackToSavepoint']
  releaseSavepoint?: Driver['releaseSavepoint']

  init: Driver['init'] = (o) => this.inner.init(o)
  acquireConnection: Driver['acquireConnection'] = async (o) => {
    try {
      return patch(await this.inner.acquireConnection(o))
    } catch (err) {
      throw mapError(err)
    }
  }
  beginTransaction: Driver['beginTransaction'] = (c, s) => this.inner.beginTransaction(c, s)
  commitTransaction: Driver['commitTransaction'] = (c) => this.inner.commitTransaction(c)
  rollbackTransaction: Driver['rollbackTransaction'] = (c) => this.inner.rollbackTransaction(c)
  releaseConnection: Driver['releaseConnection'] = (c, o) => this.inner.releaseConnection(c, o)
  destroy: Driver['destroy'] = (o) => this.inner.destroy(o)
}

/** `dialect` whose connection failures surface as `DatabaseUnavailableError` (503). */
export function withUnavailableErrors(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new UnavailableMappingDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  }
}
