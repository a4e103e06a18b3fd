import { sql, type Selectable } from 'kysely'
import type { AdminAudit, EntrywayDb } from '@entryway/db'
import {
  GENESIS_HASH,
  auditPageOf,
  type AuditFilter,
  type AuditInput,
  type AuditLog,
  type AuditPage,
  type AuditPageQuery,
  type AuditRow,
  type AuditSeal,
} from '../index.js'

/** Advisory lock key taken by every append, across every gateway instance ("adminaud"). */
export const AUDIT_APPEND_LOCK = '7017845761547231588'

type Db = EntrywayDb

/** `select * from admin_audit` with the filter applied. */
function filtered(db: Db, f: AuditFilter) {
  let q = db.selectFrom('admin_audit').selectAll()
  if (f.actorDid) q = q.where('actorDid', '=', f.actorDid)
  if (f.nsid)
    q = f.nsid.endsWith('*')
      ? q.where('nsid', 'like', `${f.nsid.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`)
      : q.where('nsid', '=', f.nsid)
  if (f.target !== undefined) q = q.where('target', '=', f.target)
  if (f.allowed !== undefined) q = q.where('allowed', '=', f.allowed)
  if (f.from) q = q.where('at', '>=', f.from)
  if (f.to) q = q.where('at', '<=', f.to)
  return q
}

// The id is a bigserial: pg hands it over as a string, whatever the schema's type says.
const toRow = (r: Selectable<AdminAudit>): AuditRow => ({ ...r, id: Number(r.id) })

/**
 * The admin audit log in Postgres. Appends run in a transaction holding one advisory lock, so rows
 * from every instance are chained in one line: read the newest hash, seal it (the key stays with
 * the portal's AuditTrail), insert the next row.
 */
export class KyselyAuditLog implements AuditLog {
  constructor(private readonly db: Db) {}

  append(e: AuditInput, seal: AuditSeal): Promise<AuditRow> {
    return this.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK}::bigint)`.execute(tx)
      const last = await tx
        .selectFrom('admin_audit')
        .select('hash')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
      const prevHash = last?.hash ?? GENESIS_HASH
      const hash = seal(prevHash)
      const { id } = await tx
        .insertInto('admin_audit')
        .values({ ...e, prevHash, hash })
        .returning('id')
        .executeTakeFirstOrThrow()
      return { ...e, id: Number(id), prevHash, hash }
    })
  }

  async list(filter: AuditFilter, opts: AuditPageQuery): Promise<AuditPage> {
    let q = filtered(this.db, filter)
    if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId)
    if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId)
    const backwards = opts.afterId !== undefined && opts.beforeId === undefined
    const rows = (
      await q
        .orderBy('id', backwards ? 'asc' : 'desc')
        .limit(opts.limit + 1)
        .execute()
    ).map(toRow)
    return auditPageOf(rows, opts)
  }

  async *scan(filter: AuditFilter, batch: number): AsyncIterable<AuditRow> {
    let after = 0
    for (;;) {
      const rows = (
        await filtered(this.db, filter)
          .where('id', '>', after)
          .orderBy('id', 'asc')
          .limit(batch)
          .execute()
      ).map(toRow)
      yield* rows
      if (rows.length < batch) return
      after = rows.at(-1)!.id
    }
  }
}
