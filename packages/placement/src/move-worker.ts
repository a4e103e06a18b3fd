import type { FastifyBaseLogger } from 'fastify'
import { SimulatedCrash, type AccountMover } from './account-mover.js'
import type { MoveJob } from './move-job.js'
import type { MoveJobStore } from './move-job-store.js'

export interface MoveWorkerOptions {
  jobs: MoveJobStore
  mover: AccountMover
  /** This instance's name on the leases it takes. */
  owner: string
  /** Jobs run at once by this instance. */
  concurrency: number
  pollMs: number
  leaseMs: number
  log: FastifyBaseLogger
}

/**
 * Claims runnable move jobs (a free or expired lease) and runs them, `concurrency` at a time. Every
 * instance runs one; the lease makes each job driven by one instance at a time.
 */
export class MoveWorker {
  private timer: NodeJS.Timeout | null = null
  private readonly running = new Set<Promise<void>>()
  private stopped = true

  constructor(private readonly o: MoveWorkerOptions) {}

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await Promise.allSettled([...this.running])
  }

  /** Wakes the worker now (a job was just queued). */
  poke(): void {
    if (!this.stopped) this.schedule(0)
  }

  /** Claims what it can now; resolves once those runs end. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const runs: Promise<void>[] = []
    while (this.running.size < this.o.concurrency) {
      const job = await this.o.jobs.claim(this.o.owner, this.o.leaseMs)
      if (!job) break
      runs.push(this.launch(job))
    }
    await Promise.all(runs)
    return runs.length
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.stopped) return
      this.fill()
        .catch((err: unknown) => this.o.log.warn({ err }, 'move worker poll failed'))
        .finally(() => {
          if (!this.stopped && !this.timer) this.schedule(this.o.pollMs)
        })
    }, ms)
    this.timer.unref()
  }

  /** Claims up to the free slots without waiting for the runs. */
  private async fill(): Promise<void> {
    while (!this.stopped && this.running.size < this.o.concurrency) {
      const job = await this.o.jobs.claim(this.o.owner, this.o.leaseMs)
      if (!job) return
      void this.launch(job)
    }
  }

  private launch(job: MoveJob): Promise<void> {
    const run: Promise<void> = this.o.mover
      .run(job, this.o.owner)
      .then(() => undefined)
      .catch((err: unknown) => {
        if (err instanceof SimulatedCrash)
          this.o.log.warn({ move: job.id }, 'move run stopped by a simulated crash')
        else this.o.log.error({ err, move: job.id }, 'move run failed')
      })
      .finally(() => {
        this.running.delete(run)
        this.poke()
      })
    this.running.add(run)
    return run
  }
}
