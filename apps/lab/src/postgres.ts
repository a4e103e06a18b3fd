import pg from 'pg'

/** The gateway's tables live in this schema of `DATABASE_URL` (so `--reset` can drop them). */
export const GATEWAY_SCHEMA = 'entryway_lab'
/**
 * PLC gets a database of its own on the same server, named after the gateway's: `<db>_plc`.
 * @NOTE not a schema of the gateway's database: kysely's Migrator without `migrationTableSchema`
 * (the gateway's) takes PLC's `kysely_migration` tables in any other schema for its own and fails.
 */
export function plcDatabaseName(url: string): string {
  const db = decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres'
  return `${db
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 59)}_plc`
}

/** `DATABASE_URL` with `search_path` set to `schema` (pg reads `options` from the URL). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `-c search_path=${schema}`)
  return u.toString()
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates the gateway's schema and PLC's database when missing; returns PLC's URL. */
export async function prepareLabDatabases(
  url: string,
): Promise<{ plcUrl: string; plcDatabase: string }> {
  const plcDatabase = plcDatabaseName(url)
  await withClient(url, async (c) => {
    await c.query(`create schema if not exists ${GATEWAY_SCHEMA}`)
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [
      plcDatabase,
    ])
    if (!rowCount) await c.query(`create database ${plcDatabase}`)
  })
  return { plcUrl: withDatabase(url, plcDatabase), plcDatabase }
}

export async function dropLabDatabases(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`drop schema if exists ${GATEWAY_SCHEMA} cascade`)
    await c.query(`drop database if exists ${plcDatabaseName(url)} with (force)`)
  })
}
