import type { MoveJob, MoveJobPatch, MoveState, NewMoveJob } from './move-job.js'

/** A DID whose requests the Entryway holds back, or whose host changed recently. */
export interface MoveGateEntry {
  did: string
  /** Requests are refused with AccountMoving. */
  frozen: boolean
  /** The DID's host now (the target once the routing row flipped), by service DID. */
  hostDid: string
}

/** Durable move jobs. Postgres in the app (`KyselyMoveJobStore`), memory in tests. */
export interface MoveJobStore {
  /** Throws `MoveConflictError` when the DID already has a live move. */
  create(job: NewMoveJob): Promise<MoveJob>
  get(id: number): Promise<MoveJob | null>
  list(filter: {
    state?: MoveState
    evacuation?: string
    did?: string
    limit: number
  }): Promise<MoveJob[]>
  /**
   * Takes one live job whose lease is free or expired (`FOR UPDATE SKIP LOCKED` in Postgres), for
   * `owner` until now + `leaseMs`, and counts an attempt. Null when none.
   */
  claim(owner: string, leaseMs: number): Promise<MoveJob | null>
  /** Applies the patch and renews the lease, only while `owner` holds it; false when it lost it. */
  update(id: number, owner: string, patch: MoveJobPatch, leaseMs: number): Promise<boolean>
  /** Gives the lease up (the job stays where it is). */
  release(id: number, owner: string): Promise<void>
  /**
   * Moves the account's routing row to the target in the same transaction as the step advance,
   * so the Entryway never routes to a host the job has not reached. False when the lease was lost.
   */
  switchHost(id: number, owner: string, patch: MoveJobPatch, leaseMs: number): Promise<boolean>
  /** Frozen DIDs, and DIDs moved within `recentMs` (with their host now), for the request gate. */
  gateEntries(recentMs: number): Promise<MoveGateEntry[]>
}

export class MoveConflictError extends Error {
  override name = 'MoveConflictError'
}
