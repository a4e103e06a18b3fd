import type { FastifyBaseLogger } from 'fastify'
import {
  auditHash,
  signAuditCheckpoint,
  verifyAuditChain,
  type AuditCheckpoint,
  type AuditFilter,
  type AuditInput,
  type AuditLog,
  type AuditPage,
  type AuditPageQuery,
  type AuditRow,
  type ChainVerdict,
} from './audit.js'

/** Unauthenticated events of one kind are written once per window, then counted. */
export const DEFAULT_ANONYMOUS_AUDIT_WINDOW_MS = 60_000

/** Where signed heads of the chain are kept, outside the audit table. */
export interface AuditCheckpointStore {
  save(cp: AuditCheckpoint): Promise<void>
  /** The newest checkpoint kept, or null. */
  latest(): Promise<AuditCheckpoint | null>
}

export class MemoryAuditCheckpoints implements AuditCheckpointStore {
  readonly saved: AuditCheckpoint[] = []
  async save(cp: AuditCheckpoint): Promise<void> {
    this.saved.push(cp)
  }
  async latest(): Promise<AuditCheckpoint | null> {
    return this.saved.reduce<AuditCheckpoint | null>((a, b) => (a && a.id >= b.id ? a : b), null)
  }
}

export interface AuditTrailOptions {
  store: AuditLog
  /** The chain's HMAC key (never stored in the database). */
  key: Uint8Array
  checkpoints: AuditCheckpointStore | null
  anonymousWindowMs: number
  now: () => number
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>
}

interface Pending {
  entry: AuditInput
  /** Events seen in this window beyond the one written. */
  more: number
}

/**
 * What the portal writes the audit log through. It seals every row with the keyed hash, signs a
 * checkpoint of the new head after each append (kept outside the table, and logged), and
 * aggregates unauthenticated events: anyone can send a forged cookie or a failed sign-in
 * callback, so each kind (`nsid` + `detail`) of anonymous event is written once per window and
 * the rest of that window is one summary row with the count. A flood thus costs a row a minute,
 * not a row (and the global append lock) per request.
 */
export class AuditTrail {
  private readonly pending = new Map<string, Pending>()
  private readonly timer: NodeJS.Timeout

  constructor(private readonly o: AuditTrailOptions) {
    this.timer = setInterval(() => void this.flush(), o.anonymousWindowMs)
    this.timer.unref()
  }

  /** The written row, or null when an anonymous event was counted into its window's summary. */
  async append(entry: AuditInput): Promise<AuditRow | null> {
    if (entry.actorDid !== 'anonymous') return this.write(entry)
    const kind = `${entry.nsid}\n${entry.detail ?? ''}`
    const p = this.pending.get(kind)
    if (p) {
      p.more++
      return null
    }
    this.pending.set(kind, { entry, more: 0 })
    return this.write(entry)
  }

  /** Ends the current window: one summary row per kind that had more events than the first. */
  async flush(): Promise<void> {
    const windows = [...this.pending.values()]
    this.pending.clear()
    for (const { entry, more } of windows) {
      if (more === 0) continue
      await this.write({
        ...entry,
        at: new Date(this.o.now()).toISOString(),
        target: null,
        detail: `${entry.detail ?? entry.nsid}: ${more} more in the ${Math.round(this.o.anonymousWindowMs / 1000)} s after ${entry.at} (aggregated)`,
      }).catch((err: unknown) => this.o.log.warn({ err }, 'admin audit summary not written'))
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }

  list(filter: AuditFilter, opts: AuditPageQuery): Promise<AuditPage> {
    return this.o.store.list(filter, opts)
  }

  scan(filter: AuditFilter, batch: number): AsyncIterable<AuditRow> {
    return this.o.store.scan(filter, batch)
  }

  /** The whole chain against the key and the newest checkpoint kept. */
  async verify(): Promise<ChainVerdict> {
    const cp = this.o.checkpoints ? await this.o.checkpoints.latest() : null
    return verifyAuditChain(this.o.store.scan({}, 500), this.o.key, cp)
  }

  private async write(entry: AuditInput): Promise<AuditRow> {
    const key = this.o.key
    const row = await this.o.store.append(entry, (prevHash) => auditHash(entry, prevHash, key))
    const cp = signAuditCheckpoint(key, row, new Date(this.o.now()).toISOString())
    // the log line is a second copy outside the database (log shipping keeps it)
    this.o.log.info({ auditCheckpoint: cp }, 'admin audit checkpoint')
    if (this.o.checkpoints) {
      await this.o.checkpoints
        .save(cp)
        .catch((err: unknown) => this.o.log.warn({ err }, 'admin audit checkpoint not saved'))
    }
    return row
  }
}
