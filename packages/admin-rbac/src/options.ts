import { EntrywayConfigError, optionsKit } from '@entryway/xrpc'
import type { AccountSessions } from './account-sessions.js'
import type { AdminLogin } from './admin-login.js'
import { MIN_AUDIT_KEY_BYTES, type AuditLog } from './audit.js'
import { DEFAULT_ANONYMOUS_AUDIT_WINDOW_MS, type AuditCheckpointStore } from './audit-trail.js'
import type { FleetDirectory } from './fleet-directory.js'
import type { RbacSource } from './rbac-source.js'
import type { AdminSessionStore } from './session-store.js'
import type { EntrywayXrpc, PdsAdminXrpc } from './upstream.js'

export const DEFAULT_SESSION_TTL_MS = 24 * 60 * 60 * 1000
export const DEFAULT_SESSION_CLEANUP_INTERVAL_MS = 10 * 60 * 1000
export const DEFAULT_RBAC_POLL_INTERVAL_MS = 2_000
export const DEFAULT_RBAC_DEBOUNCE_MS = 100
export const DEFAULT_LOGIN_PER_MINUTE = 10
export const DEFAULT_ACTIONS_PER_MINUTE = 60
export const DEFAULT_PAGE_SIZE = 50
export const DEFAULT_PREFIX = '/admin'
export const MIN_COOKIE_SECRET_LENGTH = 32
export const SESSION_COOKIE = 'entryway_admin'
export const LOGIN_CSRF_COOKIE = 'entryway_admin_login'

export interface AdminRateLimits {
  /** Login starts and callbacks per IP per minute. @default 10 */
  loginPerMinute: number
  /** Admin actions per member per minute. @default 60 */
  actionsPerMinute: number
}

export interface AdminRbacOptions {
  /** The RBAC policy: a YAML file (watched and reloaded) or a ready source. */
  rbac: RbacSource | { file: string; pollIntervalMs?: number; debounceMs?: number }
  /** The Entryway's public origin. Cookies are `Secure` unless it is plain-http loopback. */
  publicUrl: string
  /**
   * Where the portal lives: its pages, `<prefix>/xrpc/:nsid` and its cookies' path. Fastify's own
   * `prefix` register option, which `fastify-plugin` would otherwise drop. @default '/admin'
   */
  prefix?: string
  /** Signs the session cookie; at least 32 characters. */
  cookieSecret: string
  /** @default 86_400_000 (24 h) */
  sessionTtlMs?: number
  /** @default 600_000 */
  sessionCleanupIntervalMs?: number
  /**
   * `checkpoints`: where signed heads of the audit chain are kept, outside the audit table
   * (truncation shows against them). @default none (checkpoints are only logged)
   */
  stores: { sessions: AdminSessionStore; audit: AuditLog; checkpoints?: AuditCheckpointStore }
  /** HMAC key of the audit chain, at least 32 bytes; keep it out of the database. */
  auditKey: Uint8Array
  /** Unauthenticated audit events of one kind are written once per window, then counted. @default 60_000 */
  anonymousAuditWindowMs?: number
  fleet: FleetDirectory
  pds: PdsAdminXrpc
  entryway: EntrywayXrpc
  login: AdminLogin
  /**
   * The sessions the Entryway issued each account: listed on the account page (for roles that may
   * read the account's info) and revoked by `com.entryway.admin.revokeAccountSession(s)`.
   * @default null (no sessions shown; those actions answer 501)
   */
  accountSessions?: AccountSessions | null
  /** `null` turns rate limits off (tests only). @default 10 logins and 60 actions per minute */
  rateLimits?: Partial<AdminRateLimits> | null
  /** A @fastify/rate-limit store constructor (its `store` option), e.g. Redis-backed, shared by instances. @default in memory */
  rateLimitStore?: unknown
  /** @default 50 */
  pageSize?: number
  /** Clock, in ms since the epoch (tests). @default Date.now */
  now?: () => number
}

export interface ResolvedAdminRbacOptions {
  rbac: Readonly<AdminRbacOptions['rbac']>
  publicUrl: string
  prefix: string
  secureCookies: boolean
  cookieSecret: string
  sessionTtlMs: number
  sessionCleanupIntervalMs: number
  stores: AdminRbacOptions['stores']
  auditKey: Uint8Array
  anonymousAuditWindowMs: number
  fleet: FleetDirectory
  pds: PdsAdminXrpc
  entryway: EntrywayXrpc
  login: AdminLogin
  accountSessions: AccountSessions | null
  rateLimits: Readonly<AdminRateLimits> | null
  rateLimitStore: unknown
  pageSize: number
  now: () => number
}

/** @deprecated the one config error class is `EntrywayConfigError` (@entryway/xrpc) */
export const AdminRbacOptionsError = EntrywayConfigError

const { fail, clock, positiveInt: kitPositiveInt } = optionsKit('@entryway/admin-rbac')

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

const positiveInt = (name: string, v: number | undefined, def: number): number =>
  kitPositiveInt(name, v, def)

function hasMethod(o: unknown, m: string): boolean {
  return (
    typeof o === 'object' && o !== null && typeof (o as Record<string, unknown>)[m] === 'function'
  )
}

/** Validates and fills defaults; returns a new frozen object and never mutates `raw`. */
export function resolveOptions(raw: AdminRbacOptions): Readonly<ResolvedAdminRbacOptions> {
  if (!raw || typeof raw !== 'object') fail('options are required')
  let url: URL
  try {
    url = new URL(raw.publicUrl)
  } catch {
    return fail('publicUrl must be a URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('publicUrl must be http(s)')
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname))
    fail('publicUrl must be https unless it is loopback')
  if (typeof raw.cookieSecret !== 'string' || raw.cookieSecret.length < MIN_COOKIE_SECRET_LENGTH) {
    fail(`cookieSecret must be a string of at least ${MIN_COOKIE_SECRET_LENGTH} characters`)
  }
  const rbac = raw.rbac
  if (
    !rbac ||
    (!hasMethod(rbac, 'current') && typeof (rbac as { file?: unknown }).file !== 'string')
  ) {
    fail('rbac must be { file } or an RbacSource')
  }
  if (!hasMethod(raw.stores?.sessions, 'get') || !hasMethod(raw.stores?.audit, 'append'))
    fail('stores.sessions and stores.audit are required')
  if (!(raw.auditKey instanceof Uint8Array) || raw.auditKey.length < MIN_AUDIT_KEY_BYTES)
    fail(`auditKey must be at least ${MIN_AUDIT_KEY_BYTES} bytes`)
  if (raw.stores.checkpoints !== undefined && !hasMethod(raw.stores.checkpoints, 'save'))
    fail('stores.checkpoints must have save() and latest()')
  if (!hasMethod(raw.fleet, 'hostForAccount')) fail('fleet (FleetDirectory) is required')
  if (!hasMethod(raw.pds, 'call')) fail('pds (PdsAdminXrpc) is required')
  if (!hasMethod(raw.entryway, 'call')) fail('entryway (EntrywayXrpc) is required')
  if (!hasMethod(raw.login, 'start') || !hasMethod(raw.login, 'callback'))
    fail('login (AdminLogin) is required')
  if (
    raw.accountSessions != null &&
    !['list', 'revoke', 'revokeAll'].every((m) => hasMethod(raw.accountSessions, m))
  )
    fail('accountSessions must have list(), revoke() and revokeAll()')
  const prefix = raw.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix))
    fail('prefix must be a path like /admin (no trailing slash)')
  const rl =
    raw.rateLimits === null
      ? null
      : Object.freeze({
          loginPerMinute: positiveInt(
            'rateLimits.loginPerMinute',
            raw.rateLimits?.loginPerMinute,
            DEFAULT_LOGIN_PER_MINUTE,
          ),
          actionsPerMinute: positiveInt(
            'rateLimits.actionsPerMinute',
            raw.rateLimits?.actionsPerMinute,
            DEFAULT_ACTIONS_PER_MINUTE,
          ),
        })
  const rbacResolved = hasMethod(rbac, 'current')
    ? rbac
    : (() => {
        const f = rbac as { file: string; pollIntervalMs?: number; debounceMs?: number }
        return Object.freeze({
          file: f.file,
          pollIntervalMs: positiveInt(
            'rbac.pollIntervalMs',
            f.pollIntervalMs,
            DEFAULT_RBAC_POLL_INTERVAL_MS,
          ),
          debounceMs: positiveInt('rbac.debounceMs', f.debounceMs, DEFAULT_RBAC_DEBOUNCE_MS),
        })
      })()
  return Object.freeze({
    rbac: rbacResolved,
    publicUrl: url.origin,
    prefix,
    secureCookies: !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)),
    cookieSecret: raw.cookieSecret,
    sessionTtlMs: positiveInt('sessionTtlMs', raw.sessionTtlMs, DEFAULT_SESSION_TTL_MS),
    sessionCleanupIntervalMs: positiveInt(
      'sessionCleanupIntervalMs',
      raw.sessionCleanupIntervalMs,
      DEFAULT_SESSION_CLEANUP_INTERVAL_MS,
    ),
    stores: Object.freeze({ ...raw.stores }),
    auditKey: Uint8Array.from(raw.auditKey),
    anonymousAuditWindowMs: positiveInt(
      'anonymousAuditWindowMs',
      raw.anonymousAuditWindowMs,
      DEFAULT_ANONYMOUS_AUDIT_WINDOW_MS,
    ),
    fleet: raw.fleet,
    pds: raw.pds,
    entryway: raw.entryway,
    login: raw.login,
    accountSessions: raw.accountSessions ?? null,
    rateLimits: rl,
    rateLimitStore: raw.rateLimitStore ?? null,
    pageSize: positiveInt('pageSize', raw.pageSize, DEFAULT_PAGE_SIZE),
    now: clock(raw.now),
  })
}
