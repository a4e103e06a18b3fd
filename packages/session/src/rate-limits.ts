import type { FastifyInstance } from 'fastify'
import { rateCounter, type RateCounter, type RateWindow } from '@entryway/xrpc'
import type { SessionRateLimits } from './options.js'

/** Counters checked inside handlers, where the account (body or auth) is known. */
export interface SessionLimiters {
  /** Sign-in attempts from one address, before any lookup (createSession, OAuth, deleteAccount). */
  loginIp(ip: string): Promise<void>
  /**
   * Sign-in attempts on one account from one address: `accountKey` is the account's DID when the
   * identifier resolved, else the normalised identifier (normalizeIdentifier).
   */
  loginAccount(ip: string, accountKey: string): Promise<void>
  /** Emails sent for one purpose to one account or address. */
  email(purpose: string, subject: string): Promise<void>
}

const NONE: SessionLimiters = {
  loginIp: async () => {},
  loginAccount: async () => {},
  email: async () => {},
}

/** The windows the limiters count (the rest of `SessionRateLimits` are the routes'). */
export type SessionLimiterWindows = Pick<
  SessionRateLimits,
  | 'loginPerAccount'
  | 'loginPerAccountDaily'
  | 'loginPerIp'
  | 'emailPerAccount'
  | 'emailPerAccountDaily'
>

/** Builds the session limiters on the rate-limit store of `app`; `null` limits: none. */
export function createLimiters(
  app: FastifyInstance,
  limits: Readonly<SessionLimiterWindows> | null,
): SessionLimiters {
  if (!limits) return NONE
  const ip = rateCounter(app, 'session:login-ip', limits.loginPerIp)
  const account = rateCounter(app, 'session:login-account', limits.loginPerAccount)
  const accountDaily = rateCounter(app, 'session:login-account-daily', limits.loginPerAccountDaily)
  const email = rateCounter(app, 'session:email', limits.emailPerAccount)
  const emailDaily = rateCounter(app, 'session:email-daily', limits.emailPerAccountDaily)
  return {
    loginIp: (addr) => ip.hit(addr),
    async loginAccount(addr, accountKey) {
      const key = `${accountKey}-${addr}`
      await account.hit(key)
      await accountDaily.hit(key)
    },
    async email(purpose, subject) {
      const key = `${purpose}:${subject.toLowerCase()}`
      await email.hit(key)
      await emailDaily.hit(key)
    },
  }
}

// moved to @entryway/xrpc (placement counts its own limits too); still exported from here
export { rateCounter, type RateCounter, type RateWindow }
