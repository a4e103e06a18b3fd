import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_session')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('csrfToken', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('admin_session_expires_idx')
    .on('admin_session')
    .column('expiresAt')
    .execute()
  // The audit page filters by time and NSID besides actor (001 indexes actor, at).
  await db.schema.createIndex('admin_audit_at_idx').on('admin_audit').column('at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('admin_audit_at_idx').ifExists().execute()
  await db.schema.dropTable('admin_session').ifExists().execute()
}
