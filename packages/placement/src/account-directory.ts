import type { SignupRecord } from './signup-store.js'

export type PlacedAccountStatus = 'active' | 'deactivated' | 'takendown' | 'deleted'

export interface PlacedAccount {
  did: string
  handle: string
  email: string | null
  hostId: number
  status: PlacedAccountStatus
  createdAt: string
  /** Last change of the account row (password, email, 2FA, status…); equal to `createdAt` until then. */
  updatedAt?: string
  /** Set by `admin.disableAccountInvites`: the account earns no new codes; existing ones still work. */
  invitesDisabled?: boolean
}

export interface AccountPage {
  accounts: PlacedAccount[]
  cursor?: string
}

/** The Entryway's accounts as placement reads them: handles, emails, hosts. */
export interface AccountDirectory {
  /** Not deleted accounts only. */
  getByHandle(handle: string): Promise<PlacedAccount | null>
  getByDid(did: string): Promise<PlacedAccount | null>
  /** Held by any account row or a live sign-up. */
  isHandleTaken(handle: string): Promise<boolean>
  isEmailTaken(email: string): Promise<boolean>
  /** `taken` when another account or a live sign-up holds it. */
  setHandle(did: string, handle: string): Promise<'ok' | 'taken'>
  /** `admin.enable/disableAccountInvites`; `false` when there is no such (undeleted) account. */
  setInvitesDisabled(did: string, disabled: boolean): Promise<boolean>
  /** Ordered by DID; `cursor` is the last DID of the previous page. */
  list(opts: { hostId?: number; limit: number; cursor?: string }): Promise<AccountPage>
}

/** Re-exported for stores implementing both interfaces. */
export type { SignupRecord }
