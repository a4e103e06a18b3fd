/**
 * A sign-up in flight. The row is written before any external call, holds the handle (unique with
 * the account table's handles through a check in the store) and walks through the states; a
 * reconciler finishes or rolls back rows left behind by a crash.
 */
export type AccountCreationState =
  | 'pending' // row written, nothing external yet
  | 'key_reserved' // PDS reserveSigningKey done
  | 'pds_created' // PDS createAccount done (the PDS submitted the PLC op)
  | 'complete' // account row written
  | 'failed' // rolled back; kept briefly for idempotent retries and audit

export interface AccountCreation {
  id: string
  handle: string
  email: string | null
  /** Hash of the request fields, so a retried identical request is recognised. */
  requestKey: string
  /** The account's password hash (020), so the reconciler can finish the account on its own. */
  passwordScrypt: string | null
  did: string | null
  hostId: number | null
  signingKey: string | null
  plcOp: string | null
  inviteCode: string | null
  state: AccountCreationState
  error: string | null
  createdAt: string
  updatedAt: string
}

export const tableName = 'account_creation'
export type PartialDB = { [tableName]: AccountCreation }
