import Fastify, { type FastifyInstance } from 'fastify'
import { openDatabase, type Database } from '@entryway/db'
import { xrpcErrorHandler } from '@entryway/xrpc'
import type { ServerConfig } from './config/config.js'
import type { ServerSecrets } from './config/secrets.js'
import { loggerOptions } from './logger.js'
import { registerHealth } from './routes/health.js'
import { registerDescribeServer } from './routes/describe-server.js'
import { createContext, type GatewayContext } from './context.js'
import { wireSession } from './wire/session.js'
import { wirePlacement } from './wire/placement.js'
import { wireProxy } from './wire/proxy.js'
import { wireAdmin } from './wire/admin.js'
import { wireOAuth } from './wire/oauth.js'

export interface GatewayOptions {
  /** Use an already-open database (tests); otherwise one is opened from `cfg.db`. */
  database?: Database
  /** Fastify logger override (tests pass `false`). */
  logger?: boolean
}

export interface Gateway {
  app: FastifyInstance
  database: Database
  ctx: GatewayContext
}

/**
 * Assembles the Entryway: database, then each plugin with its Postgres-backed stores.
 * Every resource is closed by an `onClose` hook registered right after it is created.
 */
export async function buildGateway(cfg: ServerConfig, secrets: ServerSecrets, opts: GatewayOptions = {}): Promise<Gateway> {
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(cfg.logLevel),
    trustProxy: cfg.service.trustProxy,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  })
  await app.register(xrpcErrorHandler)

  const database =
    opts.database ??
    (await openDatabase({
      url: cfg.db.url,
      dataDir: cfg.db.dataDir,
      onPoolError: (err) => app.log.warn({ err }, 'postgres pool error'),
    }))
  if (!opts.database) app.addHook('onClose', () => database.close())
  await database.migrateToLatest()

  let draining = false
  app.addHook('preClose', async () => {
    draining = true
  })
  registerHealth(app, { db: database.db, isDraining: () => draining })
  registerDescribeServer(app, cfg)

  const ctx = await createContext(cfg, secrets, database)
  // Order: the proxy wires its caching DID resolver into ctx first; its catch-all route is a
  // wildcard, so the specific routes of the other plugins win whatever the order.
  await wireProxy(app, ctx)
  await wireSession(app, ctx)
  await wireOAuth(app, ctx)
  await wirePlacement(app, ctx)
  await wireAdmin(app, ctx)
  return { app, database, ctx }
}
