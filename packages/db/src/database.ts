import { CamelCasePlugin, Kysely, PostgresDialect, sql, type Dialect } from 'kysely'
import { Migrator } from 'kysely/migration'
import pg from 'pg'
import { PGliteDialect } from './pglite-dialect.js'
import { mkdirSync } from 'node:fs'
import type { DatabaseSchema } from './schema/index.js'
import { withUnavailableErrors } from './unavailable.js'
import { migrations } from './migrations/index.js'

export type EntrywayDb = Kysely<DatabaseSchema>

export const DEFAULT_POOL_MAX = 10
export const DEFAULT_CONNECTION_TIMEOUT_MS = 2_000
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000

export interface DatabaseOptions {
  /** `postgres://…`. When absent, an embedded PGlite runs in-process. */
  url?: string
  /** PGlite data folder (kept across restarts). Absent with no `url`: in memory. */
  dataDir?: string
  /** Postgres schema to use (created when missing); per-test isolation. */
  schema?: string
  /** @default 10 */
  poolMax?: number
  /** @default 2000 */
  connectionTimeoutMs?: number
  /** @default 10000 */
  statementTimeoutMs?: number
  /** Receives pool errors (a Postgres restart), which must never crash the process. */
  onPoolError?: (err: Error) => void
}

export interface Database {
  db: EntrywayDb
  dialect: 'postgres' | 'pglite'
  /** The pg pool, for health checks and metrics; null on PGlite. */
  pool: pg.Pool | null
  migrateToLatest(): Promise<void>
  close(): Promise<void>
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** Opens the Entryway database: Postgres when `url` is given, embedded PGlite otherwise. */
export async function openDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  let dialect: Dialect
  let pool: pg.Pool | null = null
  let closeExtra: () => Promise<void> = async () => {}
  if (opts.url) {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new Error(`@entryway/db: invalid schema name ${JSON.stringify(opts.schema)}`)
    }
    const statementTimeout = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS
    pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax ?? DEFAULT_POOL_MAX,
      connectionTimeoutMillis: opts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      idleTimeoutMillis: DEFAULT_IDLE_TIMEOUT_MS,
      statement_timeout: statementTimeout,
      options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    })
    // An idle client's error (Postgres restarted) is emitted on the pool: without a listener the
    // process would crash.
    pool.on('error', (err) => opts.onPoolError?.(err))
    // pg-pool listens for errors only on idle clients: a client checked out between two queries (a
    // transaction awaiting other work) that is told "terminating connection due to administrator
    // command" would emit an unhandled 'error' and crash the process. Listen on every client for
    // its whole life; the broken client is then not queryable and pg-pool drops it on release.
    pool.on('connect', (client) => {
      client.on('error', (err) => opts.onPoolError?.(err))
    })
    if (opts.schema) {
      const c = await pool.connect()
      try {
        await c.query(`create schema if not exists ${opts.schema}`)
      } finally {
        c.release()
      }
    }
    dialect = withUnavailableErrors(new PostgresDialect({ pool }))
  } else {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true })
    // loaded only here: its module costs ~30 MB of RSS a Postgres deployment never needs
    const { PGlite } = await import('@electric-sql/pglite')
    const lite = await PGlite.create(opts.dataDir ?? 'memory://')
    dialect = new PGliteDialect(lite)
    closeExtra = async () => {
      if (!lite.closed) await lite.close()
    }
  }
  const db = new Kysely<DatabaseSchema>({ dialect, plugins: [new CamelCasePlugin()] })
  return {
    db,
    dialect: opts.url ? 'postgres' : 'pglite',
    pool,
    async migrateToLatest() {
      // Name the migration table's schema explicitly: otherwise kysely's introspection can see a
      // `kysely_migration` table of another schema (PLC's, a test's) and take it for ours.
      const schema =
        opts.schema ??
        (opts.url
          ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
          : undefined)
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        allowUnorderedMigrations: true,
        ...(schema ? { migrationTableSchema: schema } : {}),
      })
      const { error, results } = await migrator.migrateToLatest()
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName
        throw new Error(`@entryway/db: migration ${failed ?? ''} failed`, { cause: error })
      }
    },
    async close() {
      await db.destroy()
      await closeExtra()
    },
  }
}
