import type { FastifyInstance, FastifyRequest } from 'fastify'
// Brings in the createRateLimit decorator's type.
import type {} from '@fastify/rate-limit'
import { RateLimitExceededError } from '@entryway/xrpc'
import type { SessionRateLimits } from './options.js'

const FIVE_MIN = 5 * 60 * 1000
const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR
const kKey = Symbol('entryway.session.rateLimitKey')

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

/** Counters checked inside handlers, where the identifier (body) or the account (auth) is known. */
export interface SessionLimiters {
  /** createSession: per identifier+IP (5 min and day) and per IP. */
  login(req: FastifyRequest, identifier: string): Promise<void>
  /** Emails sent for one purpose to one account or address. */
  email(req: FastifyRequest, purpose: string, subject: string): Promise<void>
}

/** Builds limiters on @fastify/rate-limit's `createRateLimit` (its store: memory, or Redis). */
export function createLimiters(app: FastifyInstance, limits: Readonly<SessionRateLimits> | null): SessionLimiters {
  if (!limits) return { login: async () => {}, email: async () => {} }
  // skipOnError: a Redis outage lets logins through (logged by the client) rather than failing them.
  const make = (name: string, max: number, timeWindow: number): Limiter =>
    app.createRateLimit({ max, timeWindow, skipOnError: true, keyGenerator: (req) => `session:${name}:${(req as unknown as Record<symbol, string>)[kKey]}` })
  const ident5m = make('login-5m', limits.loginPerIdentifier5Min, FIVE_MIN)
  const identDay = make('login-day', limits.loginPerIdentifierDay, DAY)
  const ip5m = make('login-ip-5m', limits.loginPerIp5Min, FIVE_MIN)
  const email1h = make('email-1h', limits.emailRequestsPerHour, HOUR)

  async function check(req: FastifyRequest, limiter: Limiter, key: string): Promise<void> {
    ;(req as unknown as Record<symbol, string>)[kKey] = key
    const r = await limiter(req)
    if (!r.isAllowed && r.isExceeded) {
      throw new RateLimitExceededError('Rate Limit Exceeded', { headers: { 'retry-after': String(r.ttlInSeconds) } })
    }
  }

  return {
    async login(req, identifier) {
      const id = `${identifier.toLowerCase()}-${req.ip}`
      await check(req, ip5m, req.ip)
      await check(req, ident5m, id)
      await check(req, identDay, id)
    },
    async email(req, purpose, subject) {
      await check(req, email1h, `${purpose}:${subject.toLowerCase()}`)
    },
  }
}
