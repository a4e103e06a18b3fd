import type { Generated } from 'kysely'

export type AccountStatus = 'active' | 'deactivated' | 'takendown' | 'deleted'

/** One row per account of the fleet. Written only once the PDS holds the repo (see account_creation). */
export interface Account {
  did: string
  handle: string
  /** Lower-cased; unique across the fleet. */
  email: string | null
  emailConfirmedAt: string | null
  emailAuthFactor: boolean
  /** `<salt hex>:<hash hex>` (the PDS's scrypt format). */
  passwordScrypt: string | null
  hostId: number
  status: AccountStatus
  takedownRef: string | null
  deactivatedAt: string | null
  /** database default false: optional when inserting */
  invitesDisabled: Generated<boolean>
  createdAt: string
  updatedAt: string
}

export const tableName = 'account'
export type PartialDB = { [tableName]: Account }
