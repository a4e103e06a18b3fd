import { createHmac, timingSafeEqual } from 'node:crypto'

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
  /** Exact target (an account DID, an invite code, a host). */
  target?: string
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
  /** Pass as `afterId` for the page before (newer); only when this page was not the newest. */
  newer?: number
}

/** Where a page of the audit log starts: older than `beforeId`, or just newer than `afterId`. */
export interface AuditPageQuery {
  limit: number
  beforeId?: number
  afterId?: number
}

/** Rows read newest first (`beforeId`) or oldest first (`afterId`), `limit + 1` of them, as a page. */
export function auditPageOf(rows: AuditRow[], opts: AuditPageQuery): AuditPage {
  const more = rows.length > opts.limit
  const page = rows.slice(0, opts.limit)
  if (opts.afterId !== undefined && opts.beforeId === undefined) {
    page.reverse()
    return {
      rows: page,
      ...(page.length ? { cursor: page.at(-1)!.id } : {}),
      ...(more ? { newer: page[0]!.id } : {}),
    }
  }
  return {
    rows: page,
    ...(more ? { cursor: page.at(-1)!.id } : {}),
    ...(opts.beforeId !== undefined && page.length ? { newer: page[0]!.id } : {}),
  }
}

/** Computes a row's `hash` from the hash of the row before it (the store never holds the key). */
export type AuditSeal = (prevHash: string) => string

/**
 * Where the hash-chained rows are kept: append-only. `append` must be serialised across every
 * instance (the Postgres store takes an advisory lock) so that the chain stays linear: read the
 * newest hash, `seal` it, insert. The portal writes through an `AuditTrail`, which holds the key.
 */
export interface AuditLog {
  append(entry: AuditInput, seal: AuditSeal): Promise<AuditRow>
  /** Newest first. */
  list(filter: AuditFilter, opts: AuditPageQuery): Promise<AuditPage>
  /** Oldest first, in id order, for export and verification. */
  scan(filter: AuditFilter, batch: number): AsyncIterable<AuditRow>
}

/** At least this many bytes of key for the chain's HMAC. */
export const MIN_AUDIT_KEY_BYTES = 32

/** The content a row's hash covers, in a fixed order. */
export function canonicalAuditContent(r: AuditInput, prevHash: string): string {
  return JSON.stringify([
    'entryway-admin-audit-v2',
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

/**
 * HMAC-SHA256 under a key kept out of the database: whoever can write the table but lacks the
 * key cannot recompute the chain after an edit.
 */
export function auditHash(r: AuditInput, prevHash: string, key: Uint8Array): string {
  return createHmac('sha256', key).update(canonicalAuditContent(r, prevHash)).digest('hex')
}

/**
 * The chain's head as it stood at `at`, signed with the audit key. Kept outside the table (a file,
 * the logs): a later chain that no longer reaches it was truncated.
 */
export interface AuditCheckpoint {
  id: number
  hash: string
  at: string
  mac: string
}

function checkpointMac(key: Uint8Array, id: number, hash: string, at: string): string {
  return createHmac('sha256', key)
    .update(JSON.stringify(['entryway-admin-audit-checkpoint-v1', id, hash, at]))
    .digest('hex')
}

export function signAuditCheckpoint(
  key: Uint8Array,
  head: { id: number; hash: string },
  at: string,
): AuditCheckpoint {
  return { id: head.id, hash: head.hash, at, mac: checkpointMac(key, head.id, head.hash, at) }
}

/** True when the checkpoint was signed with `key` (a forged or edited one is not). */
export function auditCheckpointValid(key: Uint8Array, cp: AuditCheckpoint): boolean {
  if (
    !cp ||
    typeof cp.mac !== 'string' ||
    !Number.isInteger(cp.id) ||
    typeof cp.hash !== 'string' ||
    typeof cp.at !== 'string'
  )
    return false
  const want = Buffer.from(checkpointMac(key, cp.id, cp.hash, cp.at))
  const got = Buffer.from(cp.mac)
  return want.length === got.length && timingSafeEqual(want, got)
}

export type ChainVerdict =
  | { ok: true; rows: number; lastId: number; lastHash: string }
  | { ok: false; rows: number; brokenAtId: number; reason: string }

/**
 * Walks the chain oldest first. Detects an edited row (its HMAC no longer matches its content,
 * whether or not someone recomputed a hash without the key), a deleted or inserted row (the next
 * `prevHash` no longer names the row before it) and, given the newest signed checkpoint, a
 * truncated chain (it no longer reaches the head the checkpoint recorded). @NOTE rows appended
 * after the newest checkpoint can still be dropped unseen: checkpoints are written on every
 * append, so that window is the rows no checkpoint has recorded yet.
 */
export async function verifyAuditChain(
  rows: AsyncIterable<AuditRow> | Iterable<AuditRow>,
  key: Uint8Array,
  checkpoint?: AuditCheckpoint | null,
): Promise<ChainVerdict> {
  if (checkpoint && !auditCheckpointValid(key, checkpoint)) {
    return {
      ok: false,
      rows: 0,
      brokenAtId: checkpoint.id,
      reason: 'the checkpoint is not signed with the audit key (forged or edited)',
    }
  }
  let prev = GENESIS_HASH
  let lastId = 0
  let n = 0
  for await (const r of rows) {
    if (r.prevHash !== prev) {
      return {
        ok: false,
        rows: n,
        brokenAtId: r.id,
        reason:
          n === 0
            ? 'the first row does not start the chain (rows before it were removed)'
            : 'prevHash does not match the row before it (a row was removed or inserted)',
      }
    }
    if (auditHash(r, r.prevHash, key) !== r.hash) {
      return {
        ok: false,
        rows: n,
        brokenAtId: r.id,
        reason: 'content does not match its keyed hash (the row was edited)',
      }
    }
    if (checkpoint && r.id === checkpoint.id && r.hash !== checkpoint.hash) {
      return {
        ok: false,
        rows: n,
        brokenAtId: r.id,
        reason: 'the row differs from the signed checkpoint (the chain was rewritten)',
      }
    }
    prev = r.hash
    lastId = r.id
    n++
  }
  if (checkpoint && lastId < checkpoint.id) {
    return {
      ok: false,
      rows: n,
      brokenAtId: lastId + 1,
      reason: `truncated: the signed checkpoint of ${checkpoint.at} records rows up to #${checkpoint.id}; the log now ends at #${lastId}`,
    }
  }
  return { ok: true, rows: n, lastId, lastHash: prev }
}

export function matchesAuditFilter(r: AuditRow, f: AuditFilter): boolean {
  if (f.actorDid && r.actorDid !== f.actorDid) return false
  if (
    f.nsid &&
    !(f.nsid.endsWith('*') ? r.nsid.startsWith(f.nsid.slice(0, -1)) : r.nsid === f.nsid)
  )
    return false
  if (f.target !== undefined && r.target !== f.target) return false
  if (f.allowed !== undefined && r.allowed !== f.allowed) return false
  if (f.from && r.at < f.from) return false
  if (f.to && r.at > f.to) return false
  return true
}

/** In-memory log for tests and single-process use. Appends are serialised by a promise chain. */
export class MemoryAuditLog implements AuditLog {
  readonly rows: AuditRow[] = []
  private tail: Promise<unknown> = Promise.resolve()

  append(entry: AuditInput, seal: AuditSeal): Promise<AuditRow> {
    const run = this.tail.then(() => {
      const prevHash = this.rows.at(-1)?.hash ?? GENESIS_HASH
      const row: AuditRow = {
        ...entry,
        id: (this.rows.at(-1)?.id ?? 0) + 1,
        prevHash,
        hash: seal(prevHash),
      }
      this.rows.push(row)
      return { ...row }
    })
    this.tail = run.catch(() => {})
    return run
  }

  async list(filter: AuditFilter, opts: AuditPageQuery): Promise<AuditPage> {
    const backwards = opts.afterId !== undefined && opts.beforeId === undefined
    const matching = this.rows.filter(
      (r) =>
        (opts.beforeId === undefined || r.id < opts.beforeId) &&
        (opts.afterId === undefined || r.id > opts.afterId) &&
        matchesAuditFilter(r, filter),
    )
    // Copies: a caller's change to a row it was given must not rewrite the log.
    const rows = (backwards ? matching : matching.reverse())
      .slice(0, opts.limit + 1)
      .map((r) => ({ ...r }))
    return auditPageOf(rows, opts)
  }

  async *scan(filter: AuditFilter): AsyncIterable<AuditRow> {
    for (const r of [...this.rows]) if (matchesAuditFilter(r, filter)) yield { ...r }
  }
}

const CSV_COLUMNS = [
  'id',
  'at',
  'actorDid',
  'nsid',
  'target',
  'hostId',
  'allowed',
  'resultStatus',
  'detail',
  'prevHash',
  'hash',
] as const

function csvCell(v: AuditRow[(typeof CSV_COLUMNS)[number]]): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  // Neutralise spreadsheet formulas.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const auditCsvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`
export const auditCsvLine = (r: AuditRow): string =>
  `${CSV_COLUMNS.map((c) => csvCell(r[c])).join(',')}\r\n`
export const auditJsonLine = (r: AuditRow): string =>
  `${JSON.stringify(Object.fromEntries(CSV_COLUMNS.map((c) => [c, r[c]])))}\n`
