import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import { createLimiters, type SessionLimiters } from '@entryway/session'
import {
  prependOnRequest,
  rateCounter,
  type RateCounter,
  type RateLimitStore,
  type RateWindow,
} from '@entryway/xrpc'
import type { ServerConfig } from '../config/config.js'
import { RATE_LIMIT_REDIS_TIMEOUT_MS, redisStoreWithLocalFallback } from './rate-limit-store.js'
import { GLOBAL_LIMIT_NAME, RATE_LIMIT_EXEMPT } from './route-limits.js'

/** A limit counted on a route: the app's global one, or one its plugin declared. */
export interface RouteLimitEntry extends RateWindow {
  name: string
}
/** What each route got: its limits, or the reason it has none. */
export type RouteLimitRecord = { limits: RouteLimitEntry[] } | { exempt: string }

export interface GatewayRateLimits {
  /** @fastify/rate-limit `store` shared by every limiter: Redis with a local fallback; null without Redis. */
  store: RateLimitStore | null
  /** Sign-in limits shared by createSession, deleteAccount and the OAuth sign-in. */
  session: SessionLimiters
  /** Wrong admin Basic passwords per client address. */
  adminFailures: RateCounter
  /**
   * `METHOD url` → its limits, for every route registered after the wiring (the abuse suite reads
   * it): GLOBAL_IP, then the ones its plugin applied (`config.routeLimits`). Read once routes are in.
   */
  readonly routes: Map<string, RouteLimitRecord>
  /** The proxy's catch-all gets this hook: a Basic admin password is checked (and counted) here. */
  setProxyAdminCheck(check: (req: FastifyRequest) => Promise<void>): void
}

/**
 * The shared store and counters: Redis when ENTRYWAY_REDIS_URL is set (shared by instances, with
 * an in-process fallback while Redis is away), else memory. GLOBAL_IP goes on every route the
 * Entryway serves itself, from outside (an `onRoute` hook), so no plugin can add a route that
 * escapes it; each plugin counts its routes' own limits on `store`. Limits keyed by account live
 * in the session plugin and the OAuth backend, which get the shared `session` limiters.
 * Must run before any route is registered.
 */
export async function wireRateLimits(
  app: FastifyInstance,
  cfg: ServerConfig,
): Promise<GatewayRateLimits> {
  let store: RateLimitStore | null = null
  if (cfg.redis) {
    const client = new Redis(cfg.redis.url, {
      // fail fast (the store falls back at once when not connected); reconnects go on forever
      connectTimeout: RATE_LIMIT_REDIS_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
    })
    let reported = false
    client.on('error', (err) => {
      // every reconnect attempt errors: say it once per outage (the store logs the switch)
      if (!reported) app.log.warn({ err }, 'rate-limit redis error')
      reported = true
    })
    client.on('ready', () => {
      reported = false
    })
    app.addHook('onClose', async () => {
      client.disconnect()
    })
    store = redisStoreWithLocalFallback(client, { namespace: cfg.redis.prefix, log: app.log })
  }

  const limits = cfg.rateLimits
  let made: Omit<GatewayRateLimits, 'store' | 'routes' | 'setProxyAdminCheck'> | null = null
  let global: RateCounter | null = null
  await app.register(async (scope) => {
    await scope.register(rateLimit, { global: false, ...(store ? { store } : {}) })
    global = rateCounter(scope, `gw:${GLOBAL_LIMIT_NAME}`, limits.GLOBAL_IP)
    made = {
      session: createLimiters(scope, {
        loginPerAccount: limits.LOGIN_ACCOUNT,
        loginPerAccountDaily: limits.LOGIN_ACCOUNT_DAILY,
        loginPerIp: limits.LOGIN_IP,
        emailPerAccount: limits.EMAIL_ACCOUNT,
        emailPerAccountDaily: limits.EMAIL_ACCOUNT_DAILY,
      }),
      adminFailures: rateCounter(
        scope,
        'gw:ADMIN_PASSWORD_FAILURES',
        limits.ADMIN_PASSWORD_FAILURES,
      ),
    }
  })

  const seen = new Map<string, RouteOptions>()
  let proxyAdminCheck: ((req: FastifyRequest) => Promise<void>) | null = null
  const globalLimit: RouteLimitEntry = { name: GLOBAL_LIMIT_NAME, ...limits.GLOBAL_IP }
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    seen.set(`${methods.join(',')} ${route.url}`, route)
    if (RATE_LIMIT_EXEMPT.has(route.url)) {
      if (route.url === '/xrpc/*') prependOnRequest(route, proxyBasicCheck)
      return
    }
    prependOnRequest(route, async (req) => global!.hit(req.ip))
  })
  // the plugin's limits are set on the route by hooks that run after this one: read them late
  const record = (route: RouteOptions): RouteLimitRecord => {
    const exempt = RATE_LIMIT_EXEMPT.get(route.url)
    if (exempt !== undefined) return { exempt }
    const own = (route.config?.routeLimits ?? []).map(({ name, points, durationMs }) => ({
      name,
      points,
      durationMs,
    }))
    return { limits: [globalLimit, ...own] }
  }

  // Only requests carrying Basic credentials wait for anything: the proxy's hot path stays sync.
  function proxyBasicCheck(
    req: FastifyRequest,
    _reply: unknown,
    done: (err?: Error) => void,
  ): void {
    const auth = req.headers.authorization
    if (!proxyAdminCheck || !auth || !/^basic /i.test(auth)) return done()
    proxyAdminCheck(req).then(() => done(), done)
  }

  return {
    store,
    ...made!,
    get routes() {
      return new Map([...seen].map(([id, route]) => [id, record(route)]))
    },
    setProxyAdminCheck: (check) => {
      proxyAdminCheck = check
    },
  }
}
