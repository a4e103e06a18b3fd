import type { FastifyInstance, onRequestHookHandler } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import { RateLimitExceededError } from '@entryway/xrpc'
import type { GatewayContext } from '../context.js'
import { RATE_LIMIT_REDIS_TIMEOUT_MS, redisStoreWithLocalFallback } from './rate-limit-store.js'

/** createAccount per client IP, as the PDS: 100 per 5 minutes. */
export const SIGNUP_PER_IP_5MIN = 100
const FIVE_MIN = 5 * 60_000
export const CREATE_ACCOUNT_URL = '/xrpc/com.atproto.server.createAccount'

/**
 * One Redis client for every rate limit (session, sign-up, admin portal) when ENTRYWAY_REDIS_URL
 * is set, behind a store that counts in this process while Redis is away; and the sign-up limit,
 * attached to placement's createAccount route from outside (placement itself has none).
 * Must run before the plugins whose routes it limits are registered.
 */
export async function wireRateLimits(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg } = ctx
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
    ctx.rateLimitStore = redisStoreWithLocalFallback(client, { namespace: cfg.redis.prefix, log: app.log })
  }

  let signupLimit: onRequestHookHandler | null = null
  await app.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      ...(ctx.rateLimitStore ? { store: ctx.rateLimitStore as never } : {}),
      errorResponseBuilder: (_req, c) =>
        new RateLimitExceededError('Rate Limit Exceeded', { headers: { 'retry-after': String(Math.ceil(c.ttl / 1000)) } }),
    })
    signupLimit = scope.rateLimit({ max: SIGNUP_PER_IP_5MIN, timeWindow: FIVE_MIN, keyGenerator: (req) => `signup:${req.ip}` }) as onRequestHookHandler
  })
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (route.url !== CREATE_ACCOUNT_URL || !methods.includes('POST') || !signupLimit) return
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : []
    route.onRequest = [signupLimit, ...existing]
  })
}
