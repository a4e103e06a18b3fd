import type { FastifyBaseLogger } from 'fastify'
import type { Host } from './host.js'
import type { HostRegistry } from './host-registry.js'
import type { PdsClient } from './pds-client.js'
import { LEASE_PERIODS, type WorkerLeases } from './worker-lease.js'

export interface HealthCheckerOptions {
  hosts: HostRegistry
  pds: PdsClient
  intervalMs: number
  timeoutMs: number
  unhealthyAfter: number
  log: FastifyBaseLogger
  /** Timer rounds run only on the instance holding this lease (null: always). */
  lease?: { leases: WorkerLeases; holder: string } | null
}

export const HEALTH_LEASE = 'placement.health'

/**
 * Checks every non-retired host (`_health`, then `describeServer` whose DID must be the host's) on
 * a timer. Rounds never overlap; the timer is unref'd so it never keeps the process alive.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private stopped = false

  constructor(private readonly o: HealthCheckerOptions) {}

  start(): void {
    this.reschedule(this.o.intervalMs)
  }

  /** Re-arms the timer with another period (0 stops it): operators and tests tighten it at run time. */
  reschedule(intervalMs: number): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    if (this.stopped || intervalMs <= 0) return
    this.timer = setInterval(() => void this.tick(intervalMs), intervalMs)
    this.timer.unref()
  }

  /** A timer round: with a lease, only the instance holding it checks the fleet. */
  private async tick(intervalMs: number): Promise<void> {
    const l = this.o.lease
    if (l) {
      const held = await l.leases
        .acquire(HEALTH_LEASE, l.holder, intervalMs * LEASE_PERIODS, new Date())
        .catch((err: unknown) => {
          this.o.log.warn({ err }, 'health lease check failed; skipping the round')
          return false
        })
      if (!held) return
    }
    await this.runOnce()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** One round over the fleet; concurrent calls share the round in progress. */
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.running ??= this.round().finally(() => {
      this.running = null
    })
    return this.running
  }

  /** Checks one host now and records the result. */
  async checkHost(h: Host): Promise<boolean> {
    const at = new Date().toISOString()
    try {
      const r = await this.o.pds.check(h, this.o.timeoutMs)
      if (r.did !== null && r.did !== h.did)
        throw new Error(`service DID is ${r.did}, registered as ${h.did}`)
      await this.o.hosts.recordHealth(
        h.id,
        { ok: true, at, version: r.version },
        this.o.unhealthyAfter,
      )
      if (!h.healthy) this.o.log.info({ host: h.url }, 'pds host healthy')
      return true
    } catch (err) {
      const error = (err as Error).message
      await this.o.hosts.recordHealth(h.id, { ok: false, at, error }, this.o.unhealthyAfter)
      if (h.healthy) this.o.log.warn({ host: h.url, error }, 'pds host check failed')
      return false
    }
  }

  private async round(): Promise<void> {
    try {
      const hosts = (await this.o.hosts.list()).filter((h) => h.status !== 'retired')
      await Promise.all(hosts.map((h) => this.checkHost(h)))
    } catch (err) {
      this.o.log.warn({ err }, 'pds health round failed')
    }
  }
}
