/** Which instance runs a periodic worker's rounds, until when (see migration 066-worker-lease). */
export interface WorkerLease {
  name: string
  holder: string
  expiresAt: string
}

export const tableName = 'worker_lease'
export type PartialDB = { [tableName]: WorkerLease }
