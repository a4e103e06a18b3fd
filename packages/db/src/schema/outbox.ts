import type { Generated } from 'kysely'

/** A durable call to the outside, retried until it succeeds (see migration 065-outbox). */
export interface OutboxJob {
  id: Generated<number>
  /** What to do, e.g. `plc.tombstone`. */
  kind: string
  /** What it is about (a DID); one pending job per kind and key. */
  key: string
  /** JSON. */
  payload: string
  /** Not before this (ISO 8601); pushed back by each failure (backoff) or a schedule. */
  runAt: string
  /** Claimed by a worker until then (ISO 8601); null when free. */
  lockedUntil: string | null
  attempts: Generated<number>
  lastError: string | null
  createdAt: string
}

export const tableName = 'outbox_job'
export type PartialDB = { [tableName]: OutboxJob }
