import { EntrywayConfigError } from '@entryway/xrpc'
import type { RateWindow } from '@entryway/session'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H

/** What a limit counts per. */
export type RateLimitKey =
  'ip' | 'account+ip' | 'account' | 'account+purpose' | 'address' | 'subnet' | 'service'

export interface RateLimitDef {
  /** `ENTRYWAY_RATE_LIMIT_<name>` sets it, as `<points>/<duration>` (`30/5m`, `300/1d`; units ms, s, m, h, d). */
  name: string
  default: RateWindow
  per: RateLimitKey
  /** The routes (NSIDs or paths) it applies to, as the README shows them. */
  routes: string
  /** The reference PDS's limit on the same routes, for the README. */
  reference: string
}

/**
 * Every rate limit of the Entryway, in one list: the README table is made from it and each can be
 * set through the environment. The defaults are at least as tight as the reference PDS's
 * (packages/pds/src/api/**: `rateLimit`; its global limit is 3000 / 5 min per IP).
 */
export const RATE_LIMITS = [
  {
    name: 'LOGIN_ACCOUNT',
    default: { points: 30, durationMs: 5 * M },
    per: 'account+ip',
    routes: 'createSession, OAuth sign-in, deleteAccount (password)',
    reference: 'createSession 30 / 5 min per identifier+IP',
  },
  {
    name: 'LOGIN_ACCOUNT_DAILY',
    default: { points: 300, durationMs: D },
    per: 'account+ip',
    routes: 'createSession, OAuth sign-in, deleteAccount (password)',
    reference: 'createSession 300 / day per identifier+IP',
  },
  {
    name: 'LOGIN_IP',
    default: { points: 300, durationMs: 5 * M },
    per: 'ip',
    routes: 'createSession, OAuth sign-in, deleteAccount (password)',
    reference: 'global 3000 / 5 min per IP',
  },
  {
    name: 'EMAIL_ACCOUNT',
    default: { points: 5, durationMs: H },
    per: 'account+purpose',
    routes: 'every emailed code (confirmation, update, deletion, PLC, 2FA, reset)',
    reference: '5 / h per IP on the request routes',
  },
  {
    name: 'EMAIL_ACCOUNT_DAILY',
    default: { points: 15, durationMs: D },
    per: 'account+purpose',
    routes: 'every emailed code',
    reference: '15 / day per DID',
  },
  {
    name: 'EMAIL_REQUEST_IP',
    default: { points: 5, durationMs: H },
    per: 'ip',
    routes: 'requestEmailConfirmation, requestEmailUpdate, requestAccountDelete',
    reference: '5 / h per IP (and 15 / day per DID)',
  },
  {
    name: 'PASSWORD_RESET_REQUEST_IP',
    default: { points: 15, durationMs: H },
    per: 'ip',
    routes: 'requestPasswordReset',
    reference: '15 / h per IP',
  },
  {
    name: 'PASSWORD_RESET_REQUEST_IP_DAILY',
    default: { points: 50, durationMs: D },
    per: 'ip',
    routes: 'requestPasswordReset',
    reference: '50 / day per IP',
  },
  {
    name: 'PASSWORD_RESET_IP',
    default: { points: 50, durationMs: 5 * M },
    per: 'ip',
    routes: 'resetPassword',
    reference: '50 / 5 min per IP',
  },
  {
    name: 'DELETE_ACCOUNT_IP',
    default: { points: 50, durationMs: 5 * M },
    per: 'ip',
    routes: 'deleteAccount',
    reference: '50 / 5 min per IP',
  },
  {
    name: 'CREATE_ACCOUNT_IP',
    default: { points: 100, durationMs: 5 * M },
    per: 'ip',
    routes: 'createAccount',
    reference: '100 / 5 min per IP',
  },
  {
    name: 'CREATE_ACCOUNT_IP_HOURLY',
    default: { points: 20, durationMs: H },
    per: 'ip',
    routes: 'createAccount',
    reference: 'none',
  },
  {
    name: 'CREATE_ACCOUNT_SUBNET',
    default: { points: 100, durationMs: H },
    per: 'subnet',
    routes: 'createAccount (per /24 of IPv4, /48 of IPv6)',
    reference: 'none',
  },
  {
    name: 'CREATE_ACCOUNT_SERVICE',
    default: { points: 1000, durationMs: H },
    per: 'service',
    routes: 'createAccount: sign-ups that passed the captcha and block-list checks, service-wide',
    reference: 'none',
  },
  {
    name: 'SIGNUP_GATE_IP',
    default: { points: 60, durationMs: 5 * M },
    per: 'ip',
    routes: '/gate/signup (the captcha page and its verification)',
    reference: 'none',
  },
  {
    name: 'UPDATE_HANDLE_ACCOUNT',
    default: { points: 10, durationMs: 5 * M },
    per: 'account',
    routes: 'identity.updateHandle',
    reference: '10 / 5 min per DID',
  },
  {
    name: 'UPDATE_HANDLE_IP_DAILY',
    default: { points: 50, durationMs: D },
    per: 'ip',
    routes: 'identity.updateHandle',
    reference: '50 / day per IP',
  },
  {
    name: 'ADMIN_PASSWORD_FAILURES',
    default: { points: 10, durationMs: 15 * M },
    per: 'ip',
    routes:
      'wrong admin Basic passwords: com.atproto.admin.*, com.entryway.admin.*, invites, proxied admin calls',
    reference: 'none (global 3000 / 5 min per IP)',
  },
  {
    name: 'GLOBAL_IP',
    default: { points: 3000, durationMs: 5 * M },
    per: 'ip',
    routes: 'every other route the Entryway serves itself (not the proxied ones)',
    reference: 'global 3000 / 5 min per IP',
  },
] as const satisfies readonly RateLimitDef[]

export type RateLimitName = (typeof RATE_LIMITS)[number]['name']
export type RateLimitConfig = Readonly<Record<RateLimitName, RateWindow>>

export const RATE_LIMIT_ENV_PREFIX = 'ENTRYWAY_RATE_LIMIT_'
const UNITS: Record<string, number> = { ms: 1, s: S, m: M, h: H, d: D }

/** `30/5m` → 30 points per 5 minutes. */
export function parseRateWindow(name: string, value: string): RateWindow {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(value)
  const points = m ? Number(m[1]) : NaN
  const durationMs = m ? Number(m[2]) * UNITS[m[3]!]! : NaN
  if (!m || !(points > 0) || !(durationMs > 0)) {
    throw new EntrywayConfigError(
      `${RATE_LIMIT_ENV_PREFIX}${name} must be <points>/<duration> with a unit of ms, s, m, h or d (e.g. 30/5m), got "${value}"`,
    )
  }
  return { points, durationMs }
}

/**
 * The limits from `ENTRYWAY_RATE_LIMIT_<NAME>` values (`overrides`, keyed by NAME), defaults for
 * the rest. An unknown NAME stops the start (a typo would otherwise leave a default in place).
 */
export function resolveRateLimits(
  overrides: Readonly<Record<string, string>> = {},
): RateLimitConfig {
  const known = new Set<string>(RATE_LIMITS.map((l) => l.name))
  for (const name of Object.keys(overrides)) {
    if (!known.has(name))
      throw new EntrywayConfigError(
        `${RATE_LIMIT_ENV_PREFIX}${name} is not a rate limit (known: ${[...known].join(', ')})`,
      )
  }
  const out = {} as Record<RateLimitName, RateWindow>
  for (const l of RATE_LIMITS) {
    const v = overrides[l.name]
    out[l.name] = v === undefined ? l.default : parseRateWindow(l.name, v)
  }
  return Object.freeze(out)
}

/** The `ENTRYWAY_RATE_LIMIT_*` variables of an environment, keyed by NAME. */
export function rateLimitOverrides(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(RATE_LIMIT_ENV_PREFIX) && v !== undefined && v !== '')
      out[k.slice(RATE_LIMIT_ENV_PREFIX.length)] = v
  }
  return out
}
