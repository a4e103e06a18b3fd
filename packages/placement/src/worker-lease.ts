/**
 * Which instance runs a periodic worker's rounds. `acquire` takes the lease, or renews it when
 * this holder has it, and says whether this holder has it now; an expired lease is anyone's.
 */
export interface WorkerLeases {
  acquire(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean>
}

/** One process (tests, single-instance setups): a shared object stands in for the table. */
export class MemoryWorkerLeases implements WorkerLeases {
  private readonly leases = new Map<string, { holder: string; expiresAt: number }>()
  async acquire(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const l = this.leases.get(name)
    if (l && l.holder !== holder && l.expiresAt > now.getTime()) return false
    this.leases.set(name, { holder, expiresAt: now.getTime() + ttlMs })
    return true
  }
}

/** A lease lasts this many periods: one missed round is tolerated, a dead holder is replaced soon. */
export const LEASE_PERIODS = 3
