import pg from 'pg'

/** The gateway's tables live in this schema of `DATABASE_URL` (so `--reset` can drop them). */
export const GATEWAY_SCHEMA = 'entryway_lab'
/** PLC's operations live in this one. */
export const PLC_SCHEMA = 'entryway_lab_plc'

/** `DATABASE_URL` with `search_path` set to `schema` (pg reads `options` from the URL). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `-c search_path=${schema}`)
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

export async function createLabSchemas(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`create schema if not exists ${GATEWAY_SCHEMA}`)
    await c.query(`create schema if not exists ${PLC_SCHEMA}`)
  })
}

export async function dropLabSchemas(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`drop schema if exists ${GATEWAY_SCHEMA} cascade`)
    await c.query(`drop schema if exists ${PLC_SCHEMA} cascade`)
  })
}
