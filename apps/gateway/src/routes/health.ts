import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { EntrywayDb } from '@entryway/db'
import { ServiceUnavailableError } from '@entryway/xrpc'

export const GATEWAY_VERSION = '0.1.0'

/** `/xrpc/_health` as the PDS serves it: `{version}` when the database answers, 503 otherwise. */
export function registerHealth(app: FastifyInstance, deps: { db: EntrywayDb; isDraining: () => boolean }) {
  app.get('/xrpc/_health', async () => {
    if (deps.isDraining()) throw new ServiceUnavailableError('shutting down')
    try {
      await sql`select 1`.execute(deps.db)
    } catch (err) {
      throw new ServiceUnavailableError('database unavailable', 'ServiceUnavailable', { cause: err })
    }
    return { version: GATEWAY_VERSION }
  })
}
