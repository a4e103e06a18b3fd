import type { ServerResponse } from 'node:http'
import Fastify, { LogController, type FastifyInstance, type RouteOptions } from 'fastify'
import { isDatabaseUnavailable, type Database } from '@entryway/db'
import { storableInput, xrpcErrorHandler } from '@entryway/xrpc'
import type { ServerConfig } from './config/config.js'
import type { ServerSecrets } from './config/secrets.js'
import { loggerOptions, registerRequestLog } from './logger.js'
import { deferredChildLogger } from './deferred-child-logger.js'
import { registerHealth } from './routes/health.js'
import { registerDescribeServer } from './routes/describe-server.js'
import { registerHandleDomains } from './routes/handle-domains.js'
import { registerProtectedResource } from './routes/protected-resource.js'
import { registerSubscribeUpgrade } from './routes/subscribe-upgrade.js'
import { KyselyAccountDirectory } from '@entryway/placement/postgres'
import { createContext, type GatewayContext } from './context.js'
import { wireSession } from './wire/session.js'
import { wirePlacement } from './wire/placement.js'
import { wireMoves, type MoveWiringOverrides } from './wire/moves.js'
import { wireProxy } from './wire/proxy.js'
import { wireAdmin } from './wire/admin.js'
import { wireOAuth } from './wire/oauth.js'
import { wireMetrics } from './wire/metrics.js'
import { wireRateLimits } from './wire/rate-limits.js'
import { guardEmailChange } from './wire/signup-anti-abuse.js'
import { TrustedForwarders } from './wire/trusted-forwarders.js'

export interface GatewayOptions {
  /** Use an already-open database (tests); otherwise one is opened from `cfg.db`. */
  database?: Database
  /** Fastify logger override (tests pass `false`). */
  logger?: boolean
  /** Where log lines go instead of stdout (tests that read the log, e.g. the fuzz). */
  logStream?: { write(line: string): void }
  /** Sees every route as it is registered, from the first (the abuse suite and the fuzz list them). */
  onRoute?: (route: RouteOptions) => void
  /** Account-move worker settings for tests (crash hook, worker off). */
  moves?: MoveWiringOverrides
}

export interface Gateway {
  app: FastifyInstance
  database: Database
  ctx: GatewayContext
  /** Whose x-forwarded-for is believed: the app's `trustProxy`, refreshed from the fleet. */
  forwarders: TrustedForwarders
  /**
   * Starts draining: `/xrpc/_ready` answers 503 (load balancers stop sending), responses close
   * their connection. `app.close()` then stops accepting and waits for requests in flight.
   */
  drain: () => void
}

/**
 * Assembles the Entryway: the shared context (database, keys, resolver, metrics…), then each
 * plugin with its Postgres-backed stores. Every resource is closed by an `onClose` hook
 * registered right after it is created.
 */
export async function buildGateway(
  cfg: ServerConfig,
  secrets: ServerSecrets,
  opts: GatewayOptions = {},
): Promise<Gateway> {
  // x-forwarded-for is believed from the configured load balancer and the registered fleet hosts
  const forwarders = new TrustedForwarders(cfg.service.trustProxy)
  const app = Fastify({
    logger: opts.logger === false ? false : loggerOptions(cfg.logLevel, opts.logStream),
    trustProxy: forwarders.trusts,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // one line per request, with secrets redacted (registerRequestLog)
    logController: new LogController({ disableRequestLogging: true }),
    // request loggers are made on first use (most requests never log)
    ...(opts.logger === false ? {} : { childLoggerFactory: deferredChildLogger }),
  })
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute)
  // without a logger (tests pass `false`) there is no line to write: no hook at all
  if (opts.logger !== false) registerRequestLog(app)
  await app.register(xrpcErrorHandler)
  // no string or number the database cannot hold reaches a store, whatever the route
  await app.register(storableInput)
  const rateLimits = await wireRateLimits(app, cfg)
  guardEmailChange(app, cfg)
  const ctx = await createContext(cfg, secrets, {
    app,
    rateLimits,
    ...(opts.database ? { database: opts.database } : {}),
  })
  const { database } = ctx
  await wireMetrics(app, ctx)
  await migrateWithRetry(database, app.log)
  // a Basic admin password sent through the proxy is checked (and its failures counted) here
  rateLimits.setProxyAdminCheck((req) => ctx.authVerifier.adminBasic(req))

  let draining = false
  const drain = () => {
    if (draining) return
    draining = true
    // Keep-alive connections must not outlive the drain: from now on each answer ends its
    // connection, whether Fastify or the proxy writes it. A listener that runs before Fastify's
    // handler costs nothing per request until the drain starts (a hook would, always).
    app.server.prependListener('request', (_req: unknown, res: ServerResponse) =>
      res.setHeader('connection', 'close'),
    )
  }
  app.addHook('preClose', async () => drain())
  registerHealth(app, { db: database.db, isDraining: () => draining })
  registerDescribeServer(app, cfg)
  registerProtectedResource(app, cfg)
  registerHandleDomains(app, cfg, new KyselyAccountDirectory(database.db))
  registerSubscribeUpgrade(app)

  await wireMoves(app, ctx, opts.moves)
  await wireProxy(app, ctx)
  await wireSession(app, ctx)
  await wireOAuth(app, ctx)
  await wirePlacement(app, ctx)
  await wireAdmin(app, ctx)
  app.addHook('onReady', () => forwarders.start(() => fleetHostUrls(database), app.log))
  app.addHook('onClose', async () => forwarders.stop())
  return { app, database, ctx, forwarders, drain }
}

/** Every registered, not retired, fleet host's URLs (public and internal): whose forwarding is trusted. */
async function fleetHostUrls(database: Database): Promise<string[]> {
  const rows = await database.db
    .selectFrom('pds_host')
    .select(['url', 'internalUrl'])
    .where('status', '!=', 'retired')
    .execute()
  return rows.flatMap((r) => (r.internalUrl ? [r.url, r.internalUrl] : [r.url]))
}

/** Start-up attempts at migrating while Postgres is unreachable (it may still be starting). */
export const MIGRATE_ATTEMPTS = 5
const MIGRATE_BACKOFF_MS = 1_000

/**
 * Migrations at start retry while the database is unavailable (a Postgres that is still starting,
 * or slow to accept a connection on a loaded machine); any other failure stops the start at once.
 */
async function migrateWithRetry(database: Database, log: FastifyInstance['log']): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.migrateToLatest()
    } catch (err) {
      if (attempt >= MIGRATE_ATTEMPTS || !isDatabaseUnavailable(err)) throw err
      log.warn({ err, attempt }, 'database unavailable at start; retrying migrations')
      await new Promise((r) => setTimeout(r, MIGRATE_BACKOFF_MS * attempt))
    }
  }
}
