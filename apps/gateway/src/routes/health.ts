import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { EntrywayDb } from '@entryway/db'
import { ServiceUnavailableError } from '@entryway/xrpc'

export const GATEWAY_VERSION = '0.1.0'

/**
 * `/xrpc/_health` as the PDS serves it: `{version}` when the database answers, 503 otherwise.
 * `/xrpc/_ready` is for load balancers: 503 from the moment the instance starts draining
 * (SIGTERM), before it stops accepting connections; it does not depend on the database, since
 * routing from cache goes on without it.
 */
export function registerHealth(
  app: FastifyInstance,
  deps: { db: EntrywayDb; isDraining: () => boolean },
) {
  app.get('/xrpc/_health', { logLevel: 'warn' }, async () => {
    if (deps.isDraining()) throw new ServiceUnavailableError('shutting down')
    try {
      await sql`select 1`.execute(deps.db)
    } catch (err) {
      throw new ServiceUnavailableError('database unavailable', 'ServiceUnavailable', {
        cause: err,
      })
    }
    return { version: GATEWAY_VERSION }
  })
  app.get('/xrpc/_ready', { logLevel: 'warn' }, async () => {
    if (deps.isDraining()) throw new ServiceUnavailableError('draining', 'ServiceUnavailable')
    return { ready: true }
  })
}
