import type { Kysely } from 'kysely'

/**
 * Pending admin sign-ins (PKCE verifier, DPoP key) wait here for their OAuth callback, so the
 * callback may reach any gateway instance, not only the one that started the sign-in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_oauth_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('admin_oauth_state_expires_idx')
    .on('admin_oauth_state')
    .column('expiresAt')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_oauth_state').ifExists().execute()
}
