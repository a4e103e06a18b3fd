import type { OAuthAccount, OAuthAccountBackend, OAuthAuthenticateResult } from '@entryway/oauth'
import { AuthRequiredError, RateLimitExceededError } from '@entryway/xrpc'
import {
  authenticate,
  DEFAULT_EMAIL_TOKEN_TTL_MS,
  generateEmailToken,
  type DurableJobs,
  type LoginDeps,
  type AccountStore,
  type EmailTokenStore,
  type SessionAccount,
  type TokenEmails,
} from '@entryway/session'
import type { FastifyBaseLogger } from 'fastify'

export interface OAuthAccountBackendDeps {
  /** The session plugin's account store: one reading of the account table for both sign-in paths. */
  accounts: AccountStore
  /** The scrypt gate and sign-in limits createSession uses: one budget for every sign-in path. */
  gate: LoginDeps['gate']
  limits: LoginDeps['limits']
  /** The session plugin's email codes: the same `two_factor` codes as `createSession`. */
  emailTokens: EmailTokenStore
  /** Sends the email 2FA codes (the session plugin's templates); off without a mail server. */
  tokenEmails: TokenEmails
  /** Where a code mail the server refused waits for its retry. @default null (sent once) */
  outbox?: DurableJobs | null
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>
  /** @default 15 min, as the session plugin's codes */
  emailTokenTtlMs?: number
  now?: () => number
}

/**
 * The Entryway's accounts for the OAuth server: the account password (never an app password) and
 * the same email 2FA codes as `createSession`. Deleted and taken-down accounts read as absent, so
 * their OAuth sessions stop refreshing.
 */
export class StoreOAuthAccountBackend implements OAuthAccountBackend {
  private readonly ttlMs: number
  private readonly now: () => number

  constructor(private readonly deps: OAuthAccountBackendDeps) {
    this.ttlMs = deps.emailTokenTtlMs ?? DEFAULT_EMAIL_TOKEN_TTL_MS
    this.now = deps.now ?? Date.now
  }

  async authenticate({
    identifier,
    password,
    emailOtp,
    ip,
  }: {
    identifier: string
    password: string
    emailOtp?: string
    ip: string
  }): Promise<OAuthAuthenticateResult> {
    let acc: SessionAccount
    try {
      // createSession's own check: same limits, same scrypt gate; the account password only
      acc = (await authenticate(this.deps, { identifier, password, ip, appPasswords: null }))
        .account
    } catch (err) {
      if (err instanceof RateLimitExceededError) return { ok: false, reason: 'rate-limited' }
      if (err instanceof AuthRequiredError) return { ok: false, reason: 'invalid-credentials' }
      throw err
    }
    if (acc.status === 'takendown') return { ok: false, reason: 'takendown', did: acc.did }
    if (acc.emailAuthFactor && acc.email && acc.emailConfirmedAt) {
      const hint = maskEmail(acc.email)
      if (!emailOtp) {
        // a code that cannot be sent is said at once (after the password, so nothing leaks)
        if (!this.deps.tokenEmails.enabled)
          return { ok: false, reason: 'email-otp-unavailable', did: acc.did }
        await this.sendCode(acc)
        return { ok: false, reason: 'email-otp-required', did: acc.did, hint }
      }
      if (!(await this.useCode(acc.did, emailOtp)))
        return { ok: false, reason: 'email-otp-invalid', did: acc.did, hint }
    }
    return { ok: true, account: toAccount(acc) }
  }

  async getAccount(did: string): Promise<OAuthAccount | null> {
    const acc = await this.deps.accounts.getByDid(did)
    if (!acc || acc.status === 'takendown') return null
    return toAccount(acc)
  }

  private async sendCode(acc: SessionAccount): Promise<void> {
    const token = generateEmailToken()
    const requestedAt = new Date(this.now()).toISOString()
    await this.deps.emailTokens.put({ purpose: 'two_factor', did: acc.did, token, requestedAt })
    await this.deps.tokenEmails.send(
      {
        did: acc.did,
        purpose: 'two_factor',
        kind: 'signInCode',
        to: acc.email!,
        handle: acc.handle,
        token,
        requestedAt,
      },
      this.deps.outbox ?? null,
      this.deps.log,
    )
  }

  /** A code works once, within its lifetime. */
  private async useCode(did: string, code: string): Promise<boolean> {
    const used = await this.deps.emailTokens.consume(did, 'two_factor', code.trim().toUpperCase())
    return used !== null && Date.parse(used.requestedAt) + this.ttlMs > this.now()
  }
}

function toAccount(acc: SessionAccount): OAuthAccount {
  return {
    did: acc.did,
    handle: acc.handle,
    email: acc.email,
    emailConfirmed: acc.emailConfirmedAt !== null,
    pdsDid: acc.host.did,
    deactivated: acc.status === 'deactivated' || acc.deactivatedAt !== null,
  }
}

/** `a***@example.com`: enough for a person to know which inbox to open. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@')
  return `${local.slice(0, 1)}***@${domain}`
}
