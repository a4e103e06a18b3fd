import type { EntrywayDb } from '@entryway/db'
import type { OAuthAccount, OAuthAccountBackend, OAuthAuthenticateResult } from '@entryway/oauth'
import { DEFAULT_EMAIL_TOKEN_TTL_MS, generateEmailToken, renderTokenEmail, verifyPassword, type Mailer } from '@entryway/session'

export interface OAuthAccountBackendDeps {
  db: EntrywayDb
  /** Sends the email 2FA codes; `null` when email is off (2FA accounts then cannot sign in). */
  mailer: Mailer | null
  serviceName: string
  /** @default 15 min, as the session plugin's codes */
  emailTokenTtlMs?: number
  now?: () => number
}

interface AccountRow {
  did: string
  handle: string
  email: string | null
  emailConfirmedAt: string | null
  emailAuthFactor: boolean
  passwordScrypt: string | null
  status: string
  deactivatedAt: string | null
  hostDid: string
}

/**
 * The Entryway's accounts for the OAuth server: the account password (never an app password) and
 * the same email 2FA codes as `createSession` (`email_token`, purpose `two_factor`). Deleted and
 * taken-down accounts read as absent, so their OAuth sessions stop refreshing.
 */
export class KyselyOAuthAccountBackend implements OAuthAccountBackend {
  private readonly ttlMs: number
  private readonly now: () => number

  constructor(private readonly deps: OAuthAccountBackendDeps) {
    this.ttlMs = deps.emailTokenTtlMs ?? DEFAULT_EMAIL_TOKEN_TTL_MS
    this.now = deps.now ?? Date.now
  }

  async authenticate({ identifier, password, emailOtp }: { identifier: string; password: string; emailOtp?: string }): Promise<OAuthAuthenticateResult> {
    const row = await this.find(identifier)
    if (!row || row.status === 'deleted' || !row.passwordScrypt) return { ok: false, reason: 'invalid-credentials' }
    if (!(await verifyPassword(password, row.passwordScrypt))) return { ok: false, reason: 'invalid-credentials', did: row.did }
    if (row.status === 'takendown') return { ok: false, reason: 'takendown', did: row.did }
    if (row.emailAuthFactor && row.email && row.emailConfirmedAt) {
      const hint = maskEmail(row.email)
      if (!emailOtp) {
        await this.sendCode(row)
        return { ok: false, reason: 'email-otp-required', did: row.did, hint }
      }
      if (!(await this.useCode(row.did, emailOtp))) return { ok: false, reason: 'email-otp-invalid', did: row.did, hint }
    }
    return { ok: true, account: toAccount(row) }
  }

  async getAccount(did: string): Promise<OAuthAccount | null> {
    const row = await this.select().where('account.did', '=', did).executeTakeFirst()
    if (!row || row.status === 'deleted' || row.status === 'takendown') return null
    return toAccount(row)
  }

  private find(identifier: string): Promise<AccountRow | undefined> {
    const id = identifier.trim().toLowerCase()
    const q = this.select()
    if (id.startsWith('did:')) return q.where('account.did', '=', identifier.trim()).executeTakeFirst()
    if (id.includes('@')) return q.where('account.email', '=', id).executeTakeFirst()
    return q.where('account.handle', '=', id).executeTakeFirst()
  }

  private select() {
    return this.deps.db
      .selectFrom('account')
      .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
      .select([
        'account.did',
        'account.handle',
        'account.email',
        'account.emailConfirmedAt',
        'account.emailAuthFactor',
        'account.passwordScrypt',
        'account.status',
        'account.deactivatedAt',
        'pds_host.did as hostDid',
      ])
  }

  private async sendCode(row: AccountRow): Promise<void> {
    if (!this.deps.mailer || !row.email) throw new Error('email 2FA is on but the Entryway has no mailer')
    const token = generateEmailToken()
    const requestedAt = new Date(this.now()).toISOString()
    await this.deps.db
      .insertInto('email_token')
      .values({ purpose: 'two_factor', did: row.did, token, requestedAt })
      .onConflict((oc) => oc.columns(['purpose', 'did']).doUpdateSet({ token, requestedAt }))
      .execute()
    await this.deps.mailer.send(
      renderTokenEmail('signInCode', { to: row.email, serviceName: this.deps.serviceName, handle: row.handle, token, ttlMinutes: Math.round(this.ttlMs / 60_000) }),
    )
  }

  /** Deletes and returns the code in one statement: it works once. */
  private async useCode(did: string, code: string): Promise<boolean> {
    const used = await this.deps.db
      .deleteFrom('email_token')
      .where('purpose', '=', 'two_factor')
      .where('did', '=', did)
      .where('token', '=', code.trim().toUpperCase())
      .returning(['requestedAt'])
      .executeTakeFirst()
    return used !== undefined && Date.parse(used.requestedAt) + this.ttlMs > this.now()
  }
}

function toAccount(row: AccountRow): OAuthAccount {
  return {
    did: row.did,
    handle: row.handle,
    email: row.email,
    emailConfirmed: row.emailConfirmedAt !== null,
    pdsDid: row.hostDid,
    deactivated: row.status === 'deactivated' || row.deactivatedAt !== null,
  }
}

/** `a***@example.com`: enough for a person to know which inbox to open. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@')
  return `${local.slice(0, 1)}***@${domain}`
}

