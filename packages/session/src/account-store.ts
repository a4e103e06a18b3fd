/** Account states, as the `account` table stores them. */
export type AccountStatus = 'active' | 'deactivated' | 'takendown' | 'deleted'

/** The PDS hosting an account: `did` is the `aud` of its access tokens. */
export interface AccountHost {
  id: number
  /** Public base URL, as in DID documents. */
  url: string
  did: string
  /** Where the Entryway reaches the PDS when it differs from `url`. */
  internalUrl?: string | null
}

export interface SessionAccount {
  did: string
  handle: string
  email: string | null
  emailConfirmedAt: string | null
  emailAuthFactor: boolean
  /** `salt:hash` (the PDS's scrypt format), or null for accounts without a password. */
  passwordScrypt: string | null
  status: AccountStatus
  deactivatedAt: string | null
  /** Set while taken down (the moderator's reference, or the time of the takedown). */
  takedownRef?: string | null
  /** When the account was created (admin views' `indexedAt`). */
  createdAt?: string
  host: AccountHost
}

/** One page of `AccountStore.search`. */
export interface AccountSearchPage {
  accounts: SessionAccount[]
  /** The last DID of this page, when there may be more. */
  cursor?: string
}

/**
 * Account rows as the session plugin reads and updates them. Placement inserts accounts through
 * its own store; lookups never return deleted accounts.
 */
export interface AccountStore {
  getByDid(did: string): Promise<SessionAccount | null>
  /** A handle, an email (contains `@`) or a DID; case-insensitive. */
  findByIdentifier(identifier: string): Promise<SessionAccount | null>
  updatePassword(did: string, passwordScrypt: string): Promise<void>
  /** Sets a new email, unconfirmed and without 2FA. `taken` when another account has it. */
  updateEmail(did: string, email: string): Promise<'ok' | 'taken'>
  confirmEmail(did: string, at: string): Promise<void>
  setEmailAuthFactor(did: string, enabled: boolean): Promise<void>
  /** `deactivatedAt` is set with `deactivated`, cleared with `active`; a takedown is kept. */
  setDeactivated(did: string, deactivated: boolean, at: string): Promise<void>
  markDeleted(did: string, at: string): Promise<void>
  /**
   * A takedown (`takedownRef` set: status `takendown`) or its reversal (`null`: back to `deactivated`
   * when `deactivatedAt` is set, else `active`).
   */
  setTakedown(did: string, takedownRef: string | null, at: string): Promise<void>
  /**
   * Admin search (`admin.searchAccounts`): accounts whose email or handle starts with `prefix`
   * (case-insensitive; every account without one), ordered by DID after `cursor`.
   */
  search(opts: { prefix?: string; limit: number; cursor?: string }): Promise<AccountSearchPage>
}

/** Account status as the lexicons report it (`active` + `status`). */
export function formatAccountStatus(a: Pick<SessionAccount, 'status' | 'deactivatedAt'>): {
  active: boolean
  status?: 'takendown' | 'deactivated'
} {
  if (a.status === 'takendown') return { active: false, status: 'takendown' }
  if (a.status === 'deactivated' || a.deactivatedAt) return { active: false, status: 'deactivated' }
  return { active: true }
}
