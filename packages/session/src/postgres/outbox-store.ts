import { sql } from 'kysely'
import type { EntrywayDb } from '@entryway/db'
import type { ClaimedJob, NewJob, OutboxStore } from '../outbox/outbox-store.js'

/**
 * The outbox on the Entryway database. A claim picks due, unleased rows with
 * `FOR UPDATE SKIP LOCKED` and writes the lease in the same statement, so two instances never
 * claim one job; the job then runs outside any transaction, under its lease.
 */
export class KyselyOutboxStore implements OutboxStore {
  constructor(private readonly db: EntrywayDb) {}

  async enqueue(job: NewJob): Promise<void> {
    const now = new Date().toISOString()
    await this.db
      .insertInto('outbox_job')
      .values({
        kind: job.kind,
        key: job.key,
        payload: JSON.stringify(job.payload ?? null),
        runAt: (job.runAt ?? new Date()).toISOString(),
        lockedUntil: null,
        lastError: null,
        createdAt: now,
      })
      .onConflict((oc) => oc.columns(['kind', 'key']).doNothing())
      .execute()
  }

  async claim(now: Date, leaseMs: number, limit: number, id?: number): Promise<ClaimedJob[]> {
    const at = now.toISOString()
    const until = new Date(now.getTime() + leaseMs).toISOString()
    let due = this.db
      .selectFrom('outbox_job')
      .select('id')
      .where('runAt', '<=', at)
      .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<', at)]))
      .orderBy('runAt')
      .limit(limit)
      .forUpdate()
      .skipLocked()
    if (id !== undefined) due = due.where('id', '=', id)
    const rows = await this.db
      .updateTable('outbox_job')
      .set({ lockedUntil: until, attempts: sql<number>`attempts + 1` })
      .where('id', 'in', due)
      .returning(['id', 'kind', 'key', 'payload', 'attempts'])
      .execute()
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      key: r.key,
      payload: JSON.parse(r.payload) as unknown,
      attempts: Number(r.attempts),
    }))
  }

  async complete(id: number): Promise<void> {
    await this.db.deleteFrom('outbox_job').where('id', '=', id).execute()
  }

  async fail(id: number, retryAt: Date, error: string): Promise<void> {
    await this.db
      .updateTable('outbox_job')
      .set({ runAt: retryAt.toISOString(), lockedUntil: null, lastError: error.slice(0, 1000) })
      .where('id', '=', id)
      .execute()
  }

  async list() {
    const rows = await this.db
      .selectFrom('outbox_job')
      .select(['id', 'kind', 'key', 'runAt', 'attempts', 'lastError'])
      .orderBy('id')
      .execute()
    return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }))
  }

  async find(kind: string, key: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('outbox_job')
      .select('id')
      .where('kind', '=', kind)
      .where('key', '=', key)
      .executeTakeFirst()
    return row ? Number(row.id) : null
  }

  async cancel(kind: string, key: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('outbox_job')
      .where('kind', '=', kind)
      .where('key', '=', key)
      .executeTakeFirst()
    return Number(res.numDeletedRows) > 0
  }
}
