import type { Generated } from 'kysely'

export type AccountMoveState =
  'queued' | 'running' | 'rolling_back' | 'done' | 'rolled_back' | 'failed'

/** One account move between two fleet hosts (docs/account-moves.md). */
export interface AccountMove {
  id: Generated<number>
  did: string
  sourceHostId: number
  targetHostId: number
  state: AccountMoveState
  /** The next step to run (or the one that was running when the job stopped). */
  step: string
  /** `did:key` of the source's signing key, recorded before anything changes (rollback needs it). */
  sourceSigningKey: string | null
  /** Tag shared by the jobs of one host evacuation. */
  evacuation: string | null
  error: string | null
  attempts: Generated<number>
  leaseOwner: string | null
  leaseUntil: string | null
  /** When the account's requests started being refused; null when not frozen. */
  frozenAt: string | null
  finishedAt: string | null
  createdAt: string
  updatedAt: string
}

export const tableName = 'account_move'
export type PartialDB = { [tableName]: AccountMove }
