import { type Kysely, sql } from 'kysely'

// Sign-up rows keep the password hash so the reconciler can finish an account whose PDS call
// outlived the request; retries look rows up by request key; the reconciler scans live rows by age.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('account_creation').addColumn('passwordScrypt', 'text').execute()
  await db.schema
    .createIndex('account_creation_request_key_idx')
    .on('account_creation')
    .column('requestKey')
    .execute()
  await sql`create index account_creation_live_updated_idx on account_creation (updated_at) where state not in ('failed','complete')`.execute(
    db,
  )
  await db.schema
    .createIndex('invite_code_use_used_by_idx')
    .on('invite_code_use')
    .column('usedBy')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('invite_code_use_used_by_idx').ifExists().execute()
  await db.schema.dropIndex('account_creation_live_updated_idx').ifExists().execute()
  await db.schema.dropIndex('account_creation_request_key_idx').ifExists().execute()
  await db.schema.alterTable('account_creation').dropColumn('passwordScrypt').execute()
}
