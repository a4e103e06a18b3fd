/** A job the worker has claimed: it holds the lease until `lockedUntil`. */
export interface ClaimedJob {
  id: number
  kind: string
  key: string
  payload: unknown
  /** Attempts including this one. */
  attempts: number
}

export interface NewJob {
  kind: string
  key: string
  payload: unknown
  /** Not before this; default now. */
  runAt?: Date
}

/**
 * Durable jobs: outside calls that follow a committed change, kept until they succeed. A claim is
 * exclusive (one instance at a time, however many share the store) for `leaseMs`; a worker that
 * dies mid-job loses its lease and another picks the job up.
 */
export interface OutboxStore {
  /** Adds a job; the same (kind, key) while one is pending is a no-op. */
  enqueue(job: NewJob): Promise<void>
  /** Claims up to `limit` due jobs (or the one with `id`, if due and free) for `leaseMs`. */
  claim(now: Date, leaseMs: number, limit: number, id?: number): Promise<ClaimedJob[]>
  /** The job succeeded: it is gone. */
  complete(id: number): Promise<void>
  /** The job failed: free again from `retryAt`, with the error kept for an operator. */
  fail(id: number, retryAt: Date, error: string): Promise<void>
  /** Pending jobs (operators, tests). */
  list(): Promise<
    Array<{
      id: number
      kind: string
      key: string
      runAt: string
      attempts: number
      lastError: string | null
    }>
  >
  /** The id of the pending (kind, key) job, or null. */
  find(kind: string, key: string): Promise<number | null>
  /**
   * Drops the pending (kind, key) job, claimed or not (a run already under way finishes; its
   * `complete` then finds nothing). Resolves true when there was one.
   */
  cancel(kind: string, key: string): Promise<boolean>
}

interface MemoryRow {
  id: number
  kind: string
  key: string
  payload: unknown
  runAt: string
  lockedUntil: string | null
  attempts: number
  lastError: string | null
}

/** For tests and single-process setups (not durable). */
export class MemoryOutboxStore implements OutboxStore {
  private readonly rows = new Map<number, MemoryRow>()
  private next = 1

  async enqueue(job: NewJob): Promise<void> {
    if ([...this.rows.values()].some((r) => r.kind === job.kind && r.key === job.key)) return
    const id = this.next++
    const runAt = (job.runAt ?? new Date()).toISOString()
    this.rows.set(id, {
      id,
      kind: job.kind,
      key: job.key,
      payload: structuredClone(job.payload),
      runAt,
      lockedUntil: null,
      attempts: 0,
      lastError: null,
    })
  }

  async claim(now: Date, leaseMs: number, limit: number, id?: number): Promise<ClaimedJob[]> {
    const at = now.toISOString()
    const due = [...this.rows.values()]
      .filter(
        (r) =>
          (id === undefined || r.id === id) &&
          r.runAt <= at &&
          (r.lockedUntil === null || r.lockedUntil < at),
      )
      .sort((a, b) => (a.runAt < b.runAt ? -1 : 1))
      .slice(0, limit)
    for (const r of due) {
      r.lockedUntil = new Date(now.getTime() + leaseMs).toISOString()
      r.attempts++
    }
    return due.map((r) => ({
      id: r.id,
      kind: r.kind,
      key: r.key,
      payload: structuredClone(r.payload),
      attempts: r.attempts,
    }))
  }

  async complete(id: number): Promise<void> {
    this.rows.delete(id)
  }

  async fail(id: number, retryAt: Date, error: string): Promise<void> {
    const r = this.rows.get(id)
    if (!r) return
    r.runAt = retryAt.toISOString()
    r.lockedUntil = null
    r.lastError = error
  }

  async list() {
    return [...this.rows.values()].map(({ id, kind, key, runAt, attempts, lastError }) => ({
      id,
      kind,
      key,
      runAt,
      attempts,
      lastError,
    }))
  }

  async find(kind: string, key: string): Promise<number | null> {
    return [...this.rows.values()].find((r) => r.kind === kind && r.key === key)?.id ?? null
  }

  async cancel(kind: string, key: string): Promise<boolean> {
    const id = await this.find(kind, key)
    return id !== null && this.rows.delete(id)
  }
}
