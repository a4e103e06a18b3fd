import type { Keypair } from '@atproto/crypto'
import {
  optionsKit,
  type DidDocResolver,
  type RateLimitStore,
  type RateWindow,
} from '@entryway/xrpc'
import type { AccountStore } from './account-store.js'
import type { AppPasswordStore } from './app-password-store.js'
import { AuthVerifier } from './auth-verifier.js'
import type { AccountInvites } from './account-invites.js'
import type { EmailTokenStore } from './email-token-store.js'
import { DEFAULT_EMAIL_TOKEN_TTL_MS } from './email-token.js'
import type { JwtKeyring } from './jwt-keyring.js'
import type { Mailer } from './mailer.js'
import { MailTemplates } from './email-templates.js'
import { UndiciPdsAdminClient, type PdsAdminClient } from './pds-admin-client.js'
import { DidPlcOperator, type PlcOperator } from './plc-operator.js'
import type { DurableJobs } from './outbox/outbox-worker.js'
import type { SessionRefreshStore } from './refresh-token-store.js'
import type { PasswordGate } from './password-gate.js'
import { createSessionIssuer, type SessionIssuer } from './session-issuer.js'
import type { SessionLimiters } from './rate-limits.js'

/** The PDS's grace for a used refresh token (account-manager.ts rotateRefreshToken): 2 h. */
export const DEFAULT_REFRESH_GRACE_MS = 2 * 60 * 60 * 1000
/** Concurrent scrypt derivations: half of libuv's default pool of 4, leaving the rest to others. */
export const DEFAULT_PASSWORD_CONCURRENCY = 2
export const DEFAULT_PASSWORD_QUEUE_MAX = 256
const MINUTE = 60_000
const HOUR = 60 * MINUTE
/** The PDS's createSession limits, per account (identifier) and IP: 30 / 5 min and 300 / day. */
export const DEFAULT_LOGIN_PER_ACCOUNT: RateWindow = { points: 30, durationMs: 5 * MINUTE }
export const DEFAULT_LOGIN_PER_ACCOUNT_DAILY: RateWindow = { points: 300, durationMs: 24 * HOUR }
/** Per IP across accounts: stops spraying many accounts from one address. */
export const DEFAULT_LOGIN_PER_IP: RateWindow = { points: 300, durationMs: 5 * MINUTE }
/** Emails sent per account (or address) and purpose: the PDS allows 15 a day per account. */
export const DEFAULT_EMAIL_PER_ACCOUNT: RateWindow = { points: 5, durationMs: HOUR }
export const DEFAULT_EMAIL_PER_ACCOUNT_DAILY: RateWindow = { points: 15, durationMs: 24 * HOUR }
/** The PDS's per-IP limits of the routes that send mail or take a password (`rateLimit` of each). */
export const DEFAULT_EMAIL_REQUEST_PER_IP: RateWindow = { points: 5, durationMs: HOUR }
export const DEFAULT_PASSWORD_RESET_REQUEST_PER_IP: RateWindow = { points: 15, durationMs: HOUR }
export const DEFAULT_PASSWORD_RESET_REQUEST_PER_IP_DAILY: RateWindow = {
  points: 50,
  durationMs: 24 * HOUR,
}
export const DEFAULT_PASSWORD_RESET_PER_IP: RateWindow = { points: 50, durationMs: 5 * MINUTE }
export const DEFAULT_DELETE_ACCOUNT_PER_IP: RateWindow = { points: 50, durationMs: 5 * MINUTE }

export interface SessionRateLimits {
  /** Sign-in attempts (createSession, OAuth, deleteAccount's password) per account and IP. @default 30 / 5 min */
  loginPerAccount: RateWindow
  /** @default 300 / day */
  loginPerAccountDaily: RateWindow
  /** Sign-in attempts per IP, whatever the account. @default 300 / 5 min */
  loginPerIp: RateWindow
  /** Emails per account (or address) and purpose. @default 5 / hour */
  emailPerAccount: RateWindow
  /** @default 15 / day */
  emailPerAccountDaily: RateWindow
  /** requestEmailConfirmation, requestEmailUpdate and requestAccountDelete together, per IP. @default 5 / hour */
  emailRequestPerIp: RateWindow
  /** requestPasswordReset per IP. @default 15 / hour */
  passwordResetRequestPerIp: RateWindow
  /** @default 50 / day */
  passwordResetRequestPerIpDaily: RateWindow
  /** resetPassword per IP. @default 50 / 5 min */
  passwordResetPerIp: RateWindow
  /** deleteAccount per IP. @default 50 / 5 min */
  deleteAccountPerIp: RateWindow
}

/** Every window of `SessionRateLimits`, as the reference PDS sets them or tighter. */
export const DEFAULT_SESSION_RATE_LIMITS: Readonly<SessionRateLimits> = Object.freeze({
  loginPerAccount: DEFAULT_LOGIN_PER_ACCOUNT,
  loginPerAccountDaily: DEFAULT_LOGIN_PER_ACCOUNT_DAILY,
  loginPerIp: DEFAULT_LOGIN_PER_IP,
  emailPerAccount: DEFAULT_EMAIL_PER_ACCOUNT,
  emailPerAccountDaily: DEFAULT_EMAIL_PER_ACCOUNT_DAILY,
  emailRequestPerIp: DEFAULT_EMAIL_REQUEST_PER_IP,
  passwordResetRequestPerIp: DEFAULT_PASSWORD_RESET_REQUEST_PER_IP,
  passwordResetRequestPerIpDaily: DEFAULT_PASSWORD_RESET_REQUEST_PER_IP_DAILY,
  passwordResetPerIp: DEFAULT_PASSWORD_RESET_PER_IP,
  deleteAccountPerIp: DEFAULT_DELETE_ACCOUNT_PER_IP,
})

export interface SessionPluginOptions {
  accounts: AccountStore
  appPasswords: AppPasswordStore
  emailTokens: EmailTokenStore
  refreshTokens: SessionRefreshStore
  keyring: JwtKeyring
  /** The Entryway's DID: `aud` of refresh tokens and of PDS service tokens. */
  entrywayDid: string
  didResolver: DidDocResolver
  /**
   * Sends email. `null`: the service has no mail server, and every flow that must mail (email
   * confirmation and update, password reset, deletion and PLC codes, sign-in of an account with
   * email 2FA, turning 2FA on) answers 501 at once instead of dropping the mail.
   */
  mailer: Mailer | null
  /** Named in every email. */
  serviceName: string
  /** The service's public URL, `{{link}}` in mail templates. @default '' */
  serviceUrl?: string
  /** The mails' copy, with an operator's overrides. @default the built-in copy */
  mailTemplates?: MailTemplates
  /** PDS admin password: PDS admin calls, and Basic admin on forwarded admin routes. */
  pdsAdminPassword: string
  /** @default an undici client with `pdsAdminPassword` */
  pdsAdmin?: PdsAdminClient
  /**
   * Durable jobs (the outbox): outside calls that follow a committed change, such as account
   * deletion's PLC tombstone, and the emailed codes are recorded there and retried until they
   * succeed; its worker must run `sessionJobHandlers`. A deactivation's `deleteAfter` is a job
   * there too, run by the handler this plugin adds. @default null (called once: a failed
   * tombstone is only logged, a failed mail is the request's 502; `deleteAfter` is not kept)
   */
  outbox?: DurableJobs | null
  /** PLC operations. @default a DidPlcOperator on `plcUrl` and `plcRotationKey` */
  plc?: PlcOperator
  /** Required without `plc`. @default none */
  plcUrl?: string
  /** Required without `plc`. @default none */
  plcRotationKey?: Keypair
  /** @default one built from the keyring, DID, resolver and admin password */
  authVerifier?: AuthVerifier
  /** @default one built from the keyring and `refreshTokens` */
  sessionIssuer?: SessionIssuer
  /** Return the DID document with sessions (clients then talk to the PDS directly). @default true */
  includeDidDoc?: boolean
  /** An ioredis client: rate-limit counters are shared across gateway instances. @default none (in memory) */
  redis?: unknown
  /** A @fastify/rate-limit store constructor (its `store` option); wins over `redis`. @default none */
  rateLimitStore?: RateLimitStore | null
  /**
   * Windows of the sign-in and email limiters and of the routes' own limits (each route module
   * declares which it counts); `false` turns rate limiting off (benchmarks).
   * @default DEFAULT_SESSION_RATE_LIMITS
   */
  rateLimits?: Partial<SessionRateLimits> | false
  /**
   * Limiters shared with other sign-in paths of the app (OAuth), built with `createLimiters` on
   * the app's store; wins over `rateLimits`.
   * @default the plugin's own
   */
  limiters?: SessionLimiters
  /** @default 2 */
  passwordConcurrency?: number
  /** A gate shared with other password work in the process (OAuth sign-in). @default one of its own */
  passwordGate?: PasswordGate
  /** @default 256 */
  passwordQueueMax?: number
  /** @default 900000 (15 min) */
  emailTokenTtlMs?: number
  /** @default 7200000 (2 h) */
  refreshGraceMs?: number
  /** Clock, milliseconds. @default Date.now */
  now?: () => number
  /**
   * Called when every session of an account must end at once (password reset, password set by an
   * admin, account deletion), after this plugin's own refresh tokens are revoked: the app ends the
   * sessions it keeps elsewhere here (OAuth). A failure fails the request.
   * @default a no-op
   */
  onRevokeAccountSessions?: (did: string) => Promise<void>
  /** Invite codes shown in admin account views (`admin.getAccountInfo(s)`). @default null (none shown) */
  accountInvites?: AccountInvites | null
}

export interface ResolvedSessionOptions {
  accounts: AccountStore
  appPasswords: AppPasswordStore
  emailTokens: EmailTokenStore
  refreshTokens: SessionRefreshStore
  keyring: JwtKeyring
  entrywayDid: string
  didResolver: DidDocResolver
  mailer: Mailer | null
  serviceName: string
  serviceUrl: string
  mailTemplates: MailTemplates
  pdsAdmin: PdsAdminClient
  plc: PlcOperator
  outbox: DurableJobs | null
  authVerifier: AuthVerifier
  sessionIssuer: SessionIssuer
  includeDidDoc: boolean
  redis: unknown
  rateLimitStore: RateLimitStore | null
  rateLimits: Readonly<SessionRateLimits> | null
  limiters: SessionLimiters | null
  passwordConcurrency: number
  passwordQueueMax: number
  passwordGate: PasswordGate | null
  emailTokenTtlMs: number
  refreshGraceMs: number
  now: () => number
  onRevokeAccountSessions: (did: string) => Promise<void>
  accountInvites: AccountInvites | null
}

const { fail, object, positiveInt, fn, clock, rateWindows } = optionsKit('@entryway/session')

export function resolveOptions(raw: SessionPluginOptions): Readonly<ResolvedSessionOptions> {
  object(raw)
  for (const k of [
    'accounts',
    'appPasswords',
    'emailTokens',
    'refreshTokens',
    'keyring',
    'didResolver',
  ] as const) {
    if (!raw[k]) fail(`${k} is required`)
  }
  if (raw.mailer === undefined) fail('mailer is required (null: no mail server)')
  if (raw.mailer !== null && typeof raw.mailer?.send !== 'function')
    fail('mailer must have send(message), or be null')
  if (raw.mailTemplates !== undefined && !(raw.mailTemplates instanceof MailTemplates))
    fail('mailTemplates must be a MailTemplates')
  if (raw.serviceUrl !== undefined && typeof raw.serviceUrl !== 'string')
    fail('serviceUrl must be a string')
  if (typeof raw.entrywayDid !== 'string' || !raw.entrywayDid.startsWith('did:'))
    fail('entrywayDid must be a DID')
  if (typeof raw.serviceName !== 'string' || !raw.serviceName.trim())
    fail('serviceName is required')
  if (typeof raw.pdsAdminPassword !== 'string' || !raw.pdsAdminPassword)
    fail('pdsAdminPassword is required')
  if (
    raw.outbox != null &&
    (['enqueue', 'tryNow', 'cancel', 'handle'] as const).some(
      (m) => typeof raw.outbox![m] !== 'function',
    )
  )
    fail('outbox must have enqueue(), tryNow(), cancel() and handle()')
  if (raw.accountInvites != null && typeof raw.accountInvites.forAccount !== 'function')
    fail('accountInvites must have forAccount(did)')
  let plc = raw.plc
  if (!plc) {
    if (!raw.plcUrl || !raw.plcRotationKey) fail('plc, or plcUrl with plcRotationKey, is required')
    plc = new DidPlcOperator(raw.plcUrl!, raw.plcRotationKey!)
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
    serviceUrl: raw.serviceUrl ?? '',
    mailTemplates: raw.mailTemplates ?? new MailTemplates(),
    pdsAdmin: raw.pdsAdmin ?? new UndiciPdsAdminClient({ adminPassword: raw.pdsAdminPassword }),
    plc,
    outbox: raw.outbox ?? null,
    authVerifier:
      raw.authVerifier ??
      new AuthVerifier({
        keyring: raw.keyring,
        entrywayDid: raw.entrywayDid,
        didResolver: raw.didResolver,
        adminPassword: raw.pdsAdminPassword,
      }),
    sessionIssuer:
      raw.sessionIssuer ??
      createSessionIssuer({
        keyring: raw.keyring,
        entrywayDid: raw.entrywayDid,
        refreshTokens: raw.refreshTokens,
      }),
    includeDidDoc: raw.includeDidDoc ?? true,
    redis: raw.redis ?? null,
    rateLimitStore: raw.rateLimitStore ?? null,
    rateLimits: rateWindows(raw.rateLimits, DEFAULT_SESSION_RATE_LIMITS),
    limiters: raw.limiters ?? null,
    passwordConcurrency: positiveInt(
      'passwordConcurrency',
      raw.passwordConcurrency,
      DEFAULT_PASSWORD_CONCURRENCY,
    ),
    passwordQueueMax: positiveInt(
      'passwordQueueMax',
      raw.passwordQueueMax,
      DEFAULT_PASSWORD_QUEUE_MAX,
    ),
    passwordGate: raw.passwordGate ?? null,
    emailTokenTtlMs: positiveInt(
      'emailTokenTtlMs',
      raw.emailTokenTtlMs,
      DEFAULT_EMAIL_TOKEN_TTL_MS,
    ),
    refreshGraceMs: positiveInt('refreshGraceMs', raw.refreshGraceMs, DEFAULT_REFRESH_GRACE_MS),
    now: clock(raw.now),
    onRevokeAccountSessions: fn(
      'onRevokeAccountSessions',
      raw.onRevokeAccountSessions,
      async (_did: string): Promise<void> => {},
    ),
    accountInvites: raw.accountInvites ?? null,
  })
}
