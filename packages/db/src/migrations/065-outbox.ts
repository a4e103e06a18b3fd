import type { Kysely } from 'kysely'

/**
 * The outbox: calls to the outside (PLC, a PDS) that must follow a committed change, kept until
 * they succeed. One row per job; a worker claims due rows (`FOR UPDATE SKIP LOCKED`, then a lease
 * in `lockedUntil`), so one instance runs a job at a time however many share the database.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox_job')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // one pending job per (kind, key): enqueuing the same work twice is a no-op
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('runAt', 'text', (c) => c.notNull())
    .addColumn('lockedUntil', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lastError', 'text')
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addUniqueConstraint('outbox_job_kind_key_uq', ['kind', 'key'])
    .execute()
  await db.schema.createIndex('outbox_job_run_at_idx').on('outbox_job').column('runAt').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox_job').ifExists().execute()
}
