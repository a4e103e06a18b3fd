import type { Keypair } from '@atproto/crypto'
import { EntrywayConfigError, type DidDocResolver } from '@entryway/xrpc'
import type { AccountStore } from './account-store.js'
import type { AppPasswordStore } from './app-password-store.js'
import { AuthVerifier } from './auth-verifier.js'
import type { EmailTokenStore } from './email-token-store.js'
import { DEFAULT_EMAIL_TOKEN_TTL_MS } from './email-token.js'
import type { JwtKeyring } from './jwt-keyring.js'
import type { Mailer } from './mailer.js'
import { UndiciPdsAdminClient, type PdsAdminClient } from './pds-admin-client.js'
import { DidPlcOperator, type PlcOperator } from './plc-operator.js'
import type { SessionRefreshStore } from './refresh-token-store.js'
import type { PasswordGate } from './password-gate.js'
import { createSessionIssuer, type SessionIssuer } from './session-issuer.js'

/** The PDS's grace for a used refresh token (account-manager.ts rotateRefreshToken): 2 h. */
export const DEFAULT_REFRESH_GRACE_MS = 2 * 60 * 60 * 1000
/** Concurrent scrypt derivations: half of libuv's default pool of 4, leaving the rest to others. */
export const DEFAULT_PASSWORD_CONCURRENCY = 2
export const DEFAULT_PASSWORD_QUEUE_MAX = 256
/** The PDS's createSession limits, per identifier and IP. */
export const DEFAULT_LOGIN_PER_IDENTIFIER_5MIN = 30
export const DEFAULT_LOGIN_PER_IDENTIFIER_DAY = 300
/** Per IP across identifiers: stops spraying many accounts from one address. */
export const DEFAULT_LOGIN_PER_IP_5MIN = 300
/** Emails sent per account (or address) and purpose each hour. */
export const DEFAULT_EMAIL_REQUESTS_PER_HOUR = 15

export interface SessionRateLimits {
  /** @default 30 */
  loginPerIdentifier5Min: number
  /** @default 300 */
  loginPerIdentifierDay: number
  /** @default 300 */
  loginPerIp5Min: number
  /** @default 15 */
  emailRequestsPerHour: number
}

export interface SessionPluginOptions {
  accounts: AccountStore
  appPasswords: AppPasswordStore
  emailTokens: EmailTokenStore
  refreshTokens: SessionRefreshStore
  keyring: JwtKeyring
  /** The Entryway's DID: `aud` of refresh tokens and of PDS service tokens. */
  entrywayDid: string
  didResolver: DidDocResolver
  mailer: Mailer
  /** Named in every email. */
  serviceName: string
  /** PDS admin password: PDS admin calls, and Basic admin on forwarded admin routes. */
  pdsAdminPassword: string
  /** Defaults to an undici client with `pdsAdminPassword`. */
  pdsAdmin?: PdsAdminClient
  /** PLC operations; defaults to @did-plc/lib with `plcUrl` and `plcRotationKey`. */
  plc?: PlcOperator
  plcUrl?: string
  plcRotationKey?: Keypair
  /** Defaults to one built from the keyring, DID, resolver and admin password. */
  authVerifier?: AuthVerifier
  /** Defaults to one built from the keyring and `refreshTokens`. */
  sessionIssuer?: SessionIssuer
  /** Return the DID document with sessions (clients then talk to the PDS directly). @default true */
  includeDidDoc?: boolean
  /** An ioredis client: rate-limit counters are shared across gateway instances. */
  redis?: unknown
  /** A @fastify/rate-limit store constructor (its `store` option); wins over `redis`. @default none */
  rateLimitStore?: unknown
  /** `false` turns rate limiting off (benchmarks). */
  rateLimits?: Partial<SessionRateLimits> | false
  /** @default 2 */
  passwordConcurrency?: number
  /** A gate shared with other password work in the process (OAuth sign-in); else one is made. */
  passwordGate?: PasswordGate
  /** @default 256 */
  passwordQueueMax?: number
  /** @default 900000 (15 min) */
  emailTokenTtlMs?: number
  /** @default 7200000 (2 h) */
  refreshGraceMs?: number
  now?: () => number
  /**
   * Called when every session of an account must end at once (password reset, password set by an
   * admin, account deletion), after this plugin's own refresh tokens are revoked: the app ends the
   * sessions it keeps elsewhere here (OAuth). A failure fails the request.
   */
  onRevokeAccountSessions?: (did: string) => Promise<void>
}

export interface ResolvedSessionOptions {
  accounts: AccountStore
  appPasswords: AppPasswordStore
  emailTokens: EmailTokenStore
  refreshTokens: SessionRefreshStore
  keyring: JwtKeyring
  entrywayDid: string
  didResolver: DidDocResolver
  mailer: Mailer
  serviceName: string
  pdsAdmin: PdsAdminClient
  plc: PlcOperator
  authVerifier: AuthVerifier
  sessionIssuer: SessionIssuer
  includeDidDoc: boolean
  redis: unknown
  rateLimitStore: unknown
  rateLimits: Readonly<SessionRateLimits> | null
  passwordConcurrency: number
  passwordQueueMax: number
  passwordGate: PasswordGate | null
  emailTokenTtlMs: number
  refreshGraceMs: number
  now: () => number
  onRevokeAccountSessions: (did: string) => Promise<void>
}

const fail = (msg: string): never => {
  throw new EntrywayConfigError(`@entryway/session: ${msg}`)
}
const posInt = (v: number | undefined, d: number, name: string): number => {
  const n = v ?? d
  if (!Number.isInteger(n) || n <= 0) fail(`${name} must be a positive integer`)
  return n
}

export function resolveOptions(raw: SessionPluginOptions): Readonly<ResolvedSessionOptions> {
  if (!raw || typeof raw !== 'object') fail('options are required')
  for (const k of ['accounts', 'appPasswords', 'emailTokens', 'refreshTokens', 'keyring', 'didResolver', 'mailer'] as const) {
    if (!raw[k]) fail(`${k} is required`)
  }
  if (typeof raw.entrywayDid !== 'string' || !raw.entrywayDid.startsWith('did:')) fail('entrywayDid must be a DID')
  if (typeof raw.serviceName !== 'string' || !raw.serviceName.trim()) fail('serviceName is required')
  if (typeof raw.pdsAdminPassword !== 'string' || !raw.pdsAdminPassword) fail('pdsAdminPassword is required')
  if (raw.onRevokeAccountSessions !== undefined && typeof raw.onRevokeAccountSessions !== 'function') fail('onRevokeAccountSessions must be a function')
  let plc = raw.plc
  if (!plc) {
    if (!raw.plcUrl || !raw.plcRotationKey) fail('plc, or plcUrl with plcRotationKey, is required')
    plc = new DidPlcOperator(raw.plcUrl!, raw.plcRotationKey!)
  }
  let rateLimits: SessionRateLimits | null = null
  if (raw.rateLimits !== false) {
    const r = raw.rateLimits ?? {}
    rateLimits = Object.freeze({
      loginPerIdentifier5Min: posInt(r.loginPerIdentifier5Min, DEFAULT_LOGIN_PER_IDENTIFIER_5MIN, 'rateLimits.loginPerIdentifier5Min'),
      loginPerIdentifierDay: posInt(r.loginPerIdentifierDay, DEFAULT_LOGIN_PER_IDENTIFIER_DAY, 'rateLimits.loginPerIdentifierDay'),
      loginPerIp5Min: posInt(r.loginPerIp5Min, DEFAULT_LOGIN_PER_IP_5MIN, 'rateLimits.loginPerIp5Min'),
      emailRequestsPerHour: posInt(r.emailRequestsPerHour, DEFAULT_EMAIL_REQUESTS_PER_HOUR, 'rateLimits.emailRequestsPerHour'),
    })
  }
  return Object.freeze({
    accounts: raw.accounts,
    appPasswords: raw.appPasswords,
    emailTokens: raw.emailTokens,
    refreshTokens: raw.refreshTokens,
    keyring: raw.keyring,
    entrywayDid: raw.entrywayDid,
    didResolver: raw.didResolver,
    mailer: raw.mailer,
    serviceName: raw.serviceName.trim(),
    pdsAdmin: raw.pdsAdmin ?? new UndiciPdsAdminClient({ adminPassword: raw.pdsAdminPassword }),
    plc: plc!,
    authVerifier:
      raw.authVerifier ??
      new AuthVerifier({ keyring: raw.keyring, entrywayDid: raw.entrywayDid, didResolver: raw.didResolver, adminPassword: raw.pdsAdminPassword }),
    sessionIssuer: raw.sessionIssuer ?? createSessionIssuer({ keyring: raw.keyring, entrywayDid: raw.entrywayDid, refreshTokens: raw.refreshTokens }),
    includeDidDoc: raw.includeDidDoc ?? true,
    redis: raw.redis ?? null,
    rateLimitStore: raw.rateLimitStore ?? null,
    rateLimits,
    passwordConcurrency: posInt(raw.passwordConcurrency, DEFAULT_PASSWORD_CONCURRENCY, 'passwordConcurrency'),
    passwordQueueMax: posInt(raw.passwordQueueMax, DEFAULT_PASSWORD_QUEUE_MAX, 'passwordQueueMax'),
    passwordGate: raw.passwordGate ?? null,
    emailTokenTtlMs: posInt(raw.emailTokenTtlMs, DEFAULT_EMAIL_TOKEN_TTL_MS, 'emailTokenTtlMs'),
    refreshGraceMs: posInt(raw.refreshGraceMs, DEFAULT_REFRESH_GRACE_MS, 'refreshGraceMs'),
    now: raw.now ?? Date.now,
    onRevokeAccountSessions: raw.onRevokeAccountSessions ?? (async () => {}),
  })
}
