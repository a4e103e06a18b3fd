import { createHash } from 'node:crypto'

/** The `prevHash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64)

/** What the portal records for one attempted action or portal event. */
export interface AuditInput {
  at: string
  /** The member's DID; `anonymous` when no valid session was presented. */
  actorDid: string
  /** The admin NSID, or a portal event (`portal.login`, `portal.session`, `portal.csrf`). */
  nsid: string
  /** The account or invite code acted on. */
  target: string | null
  hostId: number | null
  allowed: boolean
  /** HTTP status of the upstream answer (or of the refusal). */
  resultStatus: number | null
  detail: string | null
}

export interface AuditRow extends AuditInput {
  id: number
  prevHash: string
  hash: string
}

export interface AuditFilter {
  actorDid?: string
  /** Exact NSID, or a prefix ending in `*`. */
  nsid?: string
  allowed?: boolean
  /** ISO times, inclusive. */
  from?: string
  to?: string
}

export interface AuditPage {
  rows: AuditRow[]
  /** Pass as `beforeId` for the next (older) page. */
  cursor?: number
}

/**
 * Append-only, hash-chained log. `append` must be serialised across every instance (the Postgres
 * store takes an advisory lock) so that the chain stays linear.
 */
export interface AuditLog {
  append(entry: AuditInput): Promise<AuditRow>
  /** Newest first. */
  list(filter: AuditFilter, opts: { limit: number; beforeId?: number }): Promise<AuditPage>
  /** Oldest first, in id order, for export and verification. */
  scan(filter: AuditFilter, batch: number): AsyncIterable<AuditRow>
}

/** The content a row's hash covers, in a fixed order. */
export function canonicalAuditContent(r: AuditInput, prevHash: string): string {
  return JSON.stringify([
    'entryway-admin-audit-v1',
    r.at,
    r.actorDid,
    r.nsid,
    r.target,
    r.hostId,
    r.allowed,
    r.resultStatus,
    r.detail,
    prevHash,
  ])
}

export function auditHash(r: AuditInput, prevHash: string): string {
  return createHash('sha256').update(canonicalAuditContent(r, prevHash)).digest('hex')
}

export type ChainVerdict =
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; rows: number; brokenAtId: number; reason: string }

/**
 * Walks the chain oldest first. Detects an edited row (its hash no longer matches its content), a
 * deleted or inserted row (the next `prevHash` no longer names the row before it) and a rewritten
 * tail that does not reach `expectedHead` when one is known. @NOTE dropping the newest rows leaves a
 * valid shorter chain; compare the head with a copy kept elsewhere (the export) to catch that.
 */
export async function verifyAuditChain(rows: AsyncIterable<AuditRow> | Iterable<AuditRow>): Promise<ChainVerdict> {
  let prev = GENESIS_HASH
  let n = 0
  for await (const r of rows) {
    if (r.prevHash !== prev) {
      return { ok: false, rows: n, brokenAtId: r.id, reason: n === 0 ? 'the first row does not start the chain (rows before it were removed)' : 'prevHash does not match the row before it (a row was removed or inserted)' }
    }
    if (auditHash(r, r.prevHash) !== r.hash) {
      return { ok: false, rows: n, brokenAtId: r.id, reason: 'content does not match its hash (the row was edited)' }
    }
    prev = r.hash
    n++
  }
  return { ok: true, rows: n, lastHash: prev }
}

export function matchesAuditFilter(r: AuditRow, f: AuditFilter): boolean {
  if (f.actorDid && r.actorDid !== f.actorDid) return false
  if (f.nsid && !(f.nsid.endsWith('*') ? r.nsid.startsWith(f.nsid.slice(0, -1)) : r.nsid === f.nsid)) return false
  if (f.allowed !== undefined && r.allowed !== f.allowed) return false
  if (f.from && r.at < f.from) return false
  if (f.to && r.at > f.to) return false
  return true
}

/** In-memory log for tests and single-process use. Appends are serialised by a promise chain. */
export class MemoryAuditLog implements AuditLog {
  readonly rows: AuditRow[] = []
  private tail: Promise<unknown> = Promise.resolve()

  append(entry: AuditInput): Promise<AuditRow> {
    const run = this.tail.then(() => {
      const prevHash = this.rows.at(-1)?.hash ?? GENESIS_HASH
      const row: AuditRow = { ...entry, id: (this.rows.at(-1)?.id ?? 0) + 1, prevHash, hash: auditHash(entry, prevHash) }
      this.rows.push(row)
      return { ...row }
    })
    this.tail = run.catch(() => {})
    return run
  }

  async list(filter: AuditFilter, opts: { limit: number; beforeId?: number }): Promise<AuditPage> {
    const out = this.rows
      .filter((r) => (opts.beforeId === undefined || r.id < opts.beforeId) && matchesAuditFilter(r, filter))
      .reverse()
      .slice(0, opts.limit + 1)
    const more = out.length > opts.limit
    // Copies: a caller's change to a row it was given must not rewrite the log.
    const rows = out.slice(0, opts.limit).map((r) => ({ ...r }))
    return { rows, cursor: more ? rows.at(-1)!.id : undefined }
  }

  async *scan(filter: AuditFilter): AsyncIterable<AuditRow> {
    for (const r of [...this.rows]) if (matchesAuditFilter(r, filter)) yield { ...r }
  }
}

const CSV_COLUMNS = ['id', 'at', 'actorDid', 'nsid', 'target', 'hostId', 'allowed', 'resultStatus', 'detail', 'prevHash', 'hash'] as const

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  // Neutralise spreadsheet formulas.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const auditCsvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`
export const auditCsvLine = (r: AuditRow): string => `${CSV_COLUMNS.map((c) => csvCell(r[c])).join(',')}\r\n`
export const auditJsonLine = (r: AuditRow): string =>
  `${JSON.stringify(Object.fromEntries(CSV_COLUMNS.map((c) => [c, r[c]])))}\n`
