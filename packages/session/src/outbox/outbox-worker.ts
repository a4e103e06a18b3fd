import type { FastifyBaseLogger } from 'fastify'
import type { ClaimedJob, NewJob, OutboxStore } from './outbox-store.js'

/** Runs one kind of job; throws to have it retried. */
export type OutboxHandler = (payload: unknown, key: string) => Promise<void>

/**
 * What the session plugin needs of the outbox: record a job (now or for later), try it at once,
 * drop a pending one, and run the kinds of job only it can run (a scheduled deletion).
 */
export interface DurableJobs {
  enqueue(job: NewJob): Promise<void>
  tryNow(kind: string, key: string): Promise<boolean>
  cancel(kind: string, key: string): Promise<boolean>
  handle(kind: string, handler: OutboxHandler): void
}

export interface OutboxWorkerOptions {
  store: OutboxStore
  handlers: Record<string, OutboxHandler>
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>
  /** How often due jobs are looked for. @default 5000 */
  pollMs?: number
  /** A claim lasts this long; a job still running past it may be claimed again. @default 60000 */
  leaseMs?: number
  /** First retry after this; doubled per failure up to `maxBackoffMs`. @default 1000 */
  backoffMs?: number
  /** @default 600000 (10 minutes) */
  maxBackoffMs?: number
  /** Jobs claimed per round. @default 10 */
  batch?: number
  now?: () => number
}

export const DEFAULT_OUTBOX_POLL_MS = 5_000
export const DEFAULT_OUTBOX_LEASE_MS = 60_000
export const DEFAULT_OUTBOX_BACKOFF_MS = 1_000
export const DEFAULT_OUTBOX_MAX_BACKOFF_MS = 600_000

/**
 * Runs the outbox's due jobs, on every instance: the store's claim makes each job run on one
 * instance at a time. A failed job is retried with exponential backoff, forever (each failure is
 * logged with its attempt count; an operator sees the pending rows and their last error).
 */
export class OutboxWorker implements DurableJobs {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<number> | null = null
  private readonly o: Required<Omit<OutboxWorkerOptions, 'handlers' | 'store' | 'log'>> &
    Pick<OutboxWorkerOptions, 'store' | 'log'>
  private readonly handlers: Map<string, OutboxHandler>

  constructor(opts: OutboxWorkerOptions) {
    this.o = {
      pollMs: DEFAULT_OUTBOX_POLL_MS,
      leaseMs: DEFAULT_OUTBOX_LEASE_MS,
      backoffMs: DEFAULT_OUTBOX_BACKOFF_MS,
      maxBackoffMs: DEFAULT_OUTBOX_MAX_BACKOFF_MS,
      batch: 10,
      now: Date.now,
      ...opts,
    }
    this.handlers = new Map(Object.entries(opts.handlers))
  }

  /** Adds (or replaces) the handler of one kind: a plugin's own jobs, which need its deps. */
  handle(kind: string, handler: OutboxHandler): void {
    this.handlers.set(kind, handler)
  }

  /** Drops the pending (kind, key) job; true when there was one. */
  cancel(kind: string, key: string): Promise<boolean> {
    return this.o.store.cancel(kind, key)
  }

  /** Records the job (durable from here on); the same (kind, key) while pending is a no-op. */
  enqueue(job: NewJob): Promise<void> {
    return this.o.store.enqueue(job)
  }

  /**
   * Runs the pending (kind, key) job now if it is due and free, so the common case waits for no
   * round. Resolves true when it ran and succeeded here (or is already done); false when it is
   * left for a retry or another instance holds it. Never throws for the job's own failure.
   */
  async tryNow(kind: string, key: string): Promise<boolean> {
    const id = await this.o.store.find(kind, key)
    if (id === null) return true
    const [claimed] = await this.o.store.claim(new Date(this.o.now()), this.o.leaseMs, 1, id)
    return claimed ? this.run(claimed) : false
  }

  /** One round: claims due jobs and runs them; resolves with how many succeeded. */
  runDue(): Promise<number> {
    this.running ??= this.round().finally(() => (this.running = null))
    return this.running
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(
      () => void this.runDue().catch((err) => this.o.log.error({ err }, 'outbox round failed')),
      this.o.pollMs,
    )
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running?.catch(() => {})
  }

  private async round(): Promise<number> {
    const jobs = await this.o.store.claim(new Date(this.o.now()), this.o.leaseMs, this.o.batch)
    let ok = 0
    for (const job of jobs) if (await this.run(job)) ok++
    return ok
  }

  private async run(job: ClaimedJob): Promise<boolean> {
    const handler = this.handlers.get(job.kind)
    try {
      if (!handler) throw new Error(`no handler for ${job.kind}`)
      await handler(job.payload, job.key)
    } catch (err) {
      const delay = Math.min(
        this.o.maxBackoffMs,
        this.o.backoffMs * 2 ** Math.min(job.attempts - 1, 30),
      )
      await this.o.store.fail(
        job.id,
        new Date(this.o.now() + delay),
        String((err as Error)?.message ?? err),
      )
      this.o.log.warn(
        { err, kind: job.kind, key: job.key, attempts: job.attempts, retryInMs: delay },
        'outbox job failed; will retry',
      )
      return false
    }
    await this.o.store.complete(job.id)
    if (job.attempts > 1)
      this.o.log.info(
        { kind: job.kind, key: job.key, attempts: job.attempts },
        'outbox job succeeded after retries',
      )
    return true
  }
}
