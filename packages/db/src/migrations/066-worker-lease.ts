import type { Kysely } from 'kysely'

/**
 * Leases of periodic workers (the health checker, the sign-up reconciler): the instance holding a
 * worker's lease runs its rounds, the others skip them; a holder that stops renewing loses the
 * lease when it expires and another instance takes over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('worker_lease')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('worker_lease').ifExists().execute()
}
