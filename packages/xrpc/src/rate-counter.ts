import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { RateLimitExceededError } from './errors.js'

/** @fastify/rate-limit's `store` option: a store constructor shared by every counter made on it. */
export type RateLimitStore = FastifyRateLimitStoreCtor

/** A fixed window: at most `points` hits per `durationMs`. */
export interface RateWindow {
  points: number
  durationMs: number
}

/** One named counter over @fastify/rate-limit's store (memory, or Redis shared by instances). */
export interface RateCounter {
  /** Counts a hit on `key`; throws `RateLimitExceeded` (429) once the window's points are spent. */
  hit(key: string): Promise<void>
  /** Throws `RateLimitExceeded` when `key` has spent its points, without counting (failure limits). */
  check(key: string): Promise<void>
}

const kKey = Symbol('entryway.rateLimitKey')
type Limiter = ReturnType<FastifyInstance['createRateLimit']>

/**
 * A counter named `name` on the rate-limit store of `app` (a scope where @fastify/rate-limit is
 * registered). Keys are passed in, not read from a request, so one counter serves every path that
 * checks the same credential (createSession, OAuth sign-in, deleteAccount).
 */
export function rateCounter(app: FastifyInstance, name: string, w: RateWindow): RateCounter {
  // skipOnError: the gateway's store never errors (it falls back to memory); other stores let requests through.
  const limiter: Limiter = app.createRateLimit({
    max: w.points,
    timeWindow: w.durationMs,
    skipOnError: true,
    keyGenerator: (req) => `${name}:${(req as unknown as Record<symbol, string>)[kKey]}`,
  })
  // The limiter reads only the key and the route's config from the request.
  const reqFor = (key: string) =>
    ({ [kKey]: key, routeOptions: { config: {} } }) as unknown as FastifyRequest
  const refuse = (ttlInSeconds: number) =>
    new RateLimitExceededError('Rate Limit Exceeded', {
      headers: { 'retry-after': String(Math.max(1, ttlInSeconds)) },
    })
  return {
    async hit(key) {
      const r = await limiter(reqFor(key))
      if (!r.isAllowed && r.isExceeded) throw refuse(r.ttlInSeconds)
    },
    async check(key) {
      const r = await limiter(reqFor(key), { increment: false })
      if (!r.isAllowed && r.remaining === 0) throw refuse(r.ttlInSeconds)
    },
  }
}
