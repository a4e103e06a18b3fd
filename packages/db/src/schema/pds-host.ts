import type { Generated } from 'kysely'

/** Lifecycle set by operators. Health is observed separately (`healthy`, `consecutiveFailures`). */
export type PdsHostStatus = 'registered' | 'enabled' | 'draining' | 'disabled' | 'retired'

export interface PdsHost {
  id: Generated<number>
  /** Public base URL, exactly as it appears in DID documents (`#atproto_pds`), no trailing slash. */
  url: string
  /** The PDS's `PDS_SERVICE_DID`: the `aud` of access tokens for accounts it hosts. */
  did: string
  /** Where the Entryway reaches it, when it differs from `url` (private network). */
  internalUrl: string | null
  status: PdsHostStatus
  /** columns with a database default are `Generated`: optional when inserting */
  weight: Generated<number>
  accountCap: number | null
  healthy: Generated<boolean>
  consecutiveFailures: Generated<number>
  lastCheckAt: string | null
  lastError: string | null
  version: string | null
  createdAt: string
  updatedAt: string
}

/** Accounts (not deleted) per host, kept by a trigger on `account` (migration 026). */
export interface HostAccountCount {
  hostId: number
  /** bigint: pg returns it as a string */
  n: string
}

export const tableName = 'pds_host'
export type PartialDB = { [tableName]: PdsHost; host_account_count: HostAccountCount }
