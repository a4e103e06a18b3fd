import type { FastifyInstance, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import {
  createLimiters,
  rateCounter,
  type RateCounter,
  type SessionLimiters,
} from '@entryway/session'
import type { ServerConfig } from '../config/config.js'
import type { RateLimitName } from '../config/rate-limits.js'
import { RATE_LIMIT_REDIS_TIMEOUT_MS, redisStoreWithLocalFallback } from './rate-limit-store.js'
import { GLOBAL_LIMIT, RATE_LIMIT_EXEMPT, ROUTE_LIMITS, type RouteLimit } from './route-limits.js'

/** What each route got: the names of its limits, or the reason it has none. */
export type RouteLimitRecord = { limits: RateLimitName[] } | { exempt: string }

export interface GatewayRateLimits {
  /** @fastify/rate-limit `store` shared by every limiter: Redis with a local fallback; null without Redis. */
  store: unknown
  /** Sign-in limits shared by createSession, deleteAccount and the OAuth sign-in. */
  session: SessionLimiters
  /** Wrong admin Basic passwords per client address. */
  adminFailures: RateCounter
  /** Sign-ups admitted service-wide (CREATE_ACCOUNT_SERVICE); placement hits it once checks pass. */
  signupService: RateCounter
  /** `METHOD url` → its limits, for every route registered after the wiring (the abuse suite reads it). */
  routes: Map<string, RouteLimitRecord>
  /** The proxy's catch-all gets this hook: a Basic admin password is checked (and counted) here. */
  setProxyAdminCheck(check: (req: FastifyRequest) => Promise<void>): void
}

/**
 * Every rate limit, on one store: Redis when ENTRYWAY_REDIS_URL is set (shared by instances, with
 * an in-process fallback while Redis is away), else memory. Route limits (ROUTE_LIMITS, plus
 * GLOBAL_IP on every route the Entryway serves itself) are attached from outside by an `onRoute`
 * hook, so no plugin can add a route that escapes them; limits keyed by account live in the
 * session plugin and the OAuth backend, which get the shared `session` limiters.
 * Must run before any route is registered.
 */
export async function wireRateLimits(
  app: FastifyInstance,
  cfg: ServerConfig,
): Promise<GatewayRateLimits> {
  let store: unknown = null
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
  const counters = new Map<RateLimitName, RateCounter>()
  await app.register(async (scope) => {
    await scope.register(rateLimit, { global: false, ...(store ? { store: store as never } : {}) })
    for (const name of Object.keys(limits) as RateLimitName[])
      counters.set(name, rateCounter(scope, `gw:${name}`, limits[name]))
    made = {
      session: createLimiters(scope, {
        loginPerAccount: limits.LOGIN_ACCOUNT,
        loginPerAccountDaily: limits.LOGIN_ACCOUNT_DAILY,
        loginPerIp: limits.LOGIN_IP,
        emailPerAccount: limits.EMAIL_ACCOUNT,
        emailPerAccountDaily: limits.EMAIL_ACCOUNT_DAILY,
      }),
      adminFailures: counters.get('ADMIN_PASSWORD_FAILURES')!,
      signupService: counters.get('CREATE_ACCOUNT_SERVICE')!,
    }
  })

  const routes = new Map<string, RouteLimitRecord>()
  let proxyAdminCheck: ((req: FastifyRequest) => Promise<void>) | null = null
  const hookFor = (list: readonly RouteLimit[]): onRequestHookHandler => {
    const bound = list.map((l) => ({ counter: counters.get(l.name)!, key: l.key }))
    return async (req) => {
      for (const l of bound) await l.counter.hit(l.key(req))
    }
  }
  const globalHook = hookFor([GLOBAL_LIMIT])
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const id = `${methods.join(',')} ${route.url}`
    const exempt = RATE_LIMIT_EXEMPT.get(route.url)
    if (exempt !== undefined) {
      routes.set(id, { exempt })
      if (route.url === '/xrpc/*') prepend(route, proxyBasicCheck)
      return
    }
    const specific = ROUTE_LIMITS.get(route.url) ?? []
    prepend(route, specific.length ? hookFor([GLOBAL_LIMIT, ...specific]) : globalHook)
    routes.set(id, { limits: [GLOBAL_LIMIT.name, ...specific.map((l) => l.name)] })
  })

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
    routes,
    setProxyAdminCheck: (check) => {
      proxyAdminCheck = check
    },
  }
}

function prepend(
  route: RouteOptions,
  hook:
    | onRequestHookHandler
    | ((req: FastifyRequest, reply: unknown, done: (err?: Error) => void) => void),
): void {
  const existing = route.onRequest
    ? Array.isArray(route.onRequest)
      ? route.onRequest
      : [route.onRequest]
    : []
  route.onRequest = [hook, ...existing]
}
