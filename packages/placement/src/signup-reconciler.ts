import type { FastifyBaseLogger } from 'fastify'
import type { ResolvedPlacementOptions } from './options.js'
import { rollbackSignup } from './signup-rollback.js'
import type { SignupRecord } from './signup-store.js'
import { LEASE_PERIODS } from './worker-lease.js'

export const RECONCILE_BATCH = 50
export const RECONCILE_LEASE = 'placement.reconcile'

export interface ReconcileReport {
  completed: number
  failed: number
  deferred: number
}

/**
 * Finishes or undoes sign-ups left live by a crash or an unconfirmed PDS call, once they are older
 * than any request could be. A row whose PDS holds the repo becomes a complete account (the row
 * has everything needed); one whose PDS does not is rolled back; an unanswerable one waits.
 */
export class SignupReconciler {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<ReconcileReport> | null = null
  private stopped = false

  constructor(
    private readonly o: ResolvedPlacementOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    void this.tick()
    if (this.o.reconcileIntervalMs <= 0 || this.timer) return
    this.timer = setInterval(() => void this.tick(), this.o.reconcileIntervalMs)
    this.timer.unref()
  }

  /** A timer pass: with a lease, only the instance holding it reconciles. */
  private async tick(): Promise<void> {
    const l = this.o.workerLeases
    if (l) {
      const ttl = this.o.reconcileIntervalMs * LEASE_PERIODS
      const held = await l
        .acquire(RECONCILE_LEASE, this.o.instanceId, ttl, new Date())
        .catch((err: unknown) => {
          this.log.warn({ err }, 'reconcile lease check failed; skipping the pass')
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
    await this.running?.catch(() => {})
  }

  /** One pass; `staleAfterMs` overrides the option (tests, operator tooling). */
  runOnce(staleAfterMs = this.o.reconcileStaleAfterMs): Promise<ReconcileReport> {
    if (this.stopped) return Promise.resolve({ completed: 0, failed: 0, deferred: 0 })
    this.running ??= this.pass(staleAfterMs)
      .catch((err: unknown) => {
        this.log.warn({ err }, 'signup reconcile pass failed')
        return { completed: 0, failed: 0, deferred: 0 }
      })
      .finally(() => {
        this.running = null
      })
    return this.running
  }

  private async pass(staleAfterMs: number): Promise<ReconcileReport> {
    const report: ReconcileReport = { completed: 0, failed: 0, deferred: 0 }
    const before = new Date(Date.now() - staleAfterMs).toISOString()
    const rows = await this.o.signups.listStale(before, RECONCILE_BATCH)
    for (const s of rows) {
      if (this.stopped) break
      const outcome = await this.reconcile(s).catch((err: unknown) => {
        this.log.warn({ err, signup: s.id }, 'signup reconcile failed')
        return 'deferred' as const
      })
      report[outcome]++
    }
    if (rows.length) this.log.info({ ...report }, 'signups reconciled')
    return report
  }

  private async reconcile(s: SignupRecord): Promise<'completed' | 'failed' | 'deferred'> {
    const o = this.o
    const deps = {
      signups: o.signups,
      pds: o.pds,
      plc: o.plc,
      rotationKey: o.rotationKey,
      log: this.log,
    }
    if (s.state === 'pending' || !s.did || s.hostId === null) {
      // nothing external depends on it (a reserved key alone is harmless)
      return (await o.signups.advance(s.id, s.state, {
        state: 'failed',
        error: 'abandoned before the PDS call',
      }))
        ? 'failed'
        : 'deferred'
    }
    const host = await o.hosts.get(s.hostId)
    if (!host) {
      return (await rollbackSignup(deps, s, null, s.state, 'host gone', false))
        ? 'failed'
        : 'deferred'
    }
    let state = s.state
    if (state === 'key_reserved') {
      const holds = await o.pds.hasAccount(host, s.did)
      if (holds === null) return 'deferred'
      if (!holds)
        return (await rollbackSignup(
          deps,
          s,
          host,
          state,
          'abandoned: the PDS never created it',
          false,
        ))
          ? 'failed'
          : 'deferred'
      if (!(await o.signups.advance(s.id, state, { state: 'pds_created' }))) return 'deferred'
      state = 'pds_created'
    }
    const result = await o.signups.complete(
      s.id,
      state,
      {
        did: s.did,
        handle: s.handle,
        email: s.email,
        passwordScrypt: s.passwordScrypt,
        hostId: host.id,
      },
      s.inviteCode,
    )
    if (result === 'ok') return 'completed'
    if (result === 'stale') return 'deferred'
    return (await rollbackSignup(deps, { ...s, state }, host, state, `complete: ${result}`, true))
      ? 'failed'
      : 'deferred'
  }
}
