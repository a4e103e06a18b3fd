import { sql, type Kysely } from 'kysely'

// Indexes the query-plans test asked for: each serves a store query that otherwise read a whole
// table that grows with accounts (or with moves, one per account on an evacuated host).
// - deleteSession revokes a token by its id or its successor's: `next_id` alone had none;
// - account deletion drops every email token of a DID (the key is (purpose, did));
// - admin searches match a prefix of the handle, email or DID: `text_pattern_ops` serves LIKE
//   'x%' whatever the database's collation (a plain btree does so only under "C");
// - the admin move listing of one DID, and the proxy's move gate (frozen or recently finished
//   moves) walked every finished move.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index refresh_token_next_id_idx on refresh_token (next_id) where next_id is not null`.execute(
    db,
  )
  await db.schema.createIndex('email_token_did_idx').on('email_token').column('did').execute()
  await sql`create index account_handle_prefix_idx on account (handle text_pattern_ops)`.execute(db)
  await sql`create index account_email_prefix_idx on account (email text_pattern_ops)`.execute(db)
  await sql`create index account_did_prefix_idx on account (did text_pattern_ops)`.execute(db)
  await db.schema
    .createIndex('account_move_did_idx')
    .on('account_move')
    .columns(['did', 'id'])
    .execute()
  await sql`create index account_move_frozen_idx on account_move (id) where frozen_at is not null`.execute(
    db,
  )
  await db.schema
    .createIndex('account_move_finished_idx')
    .on('account_move')
    .column('finishedAt')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'account_move_finished_idx',
    'account_move_frozen_idx',
    'account_move_did_idx',
    'account_did_prefix_idx',
    'account_email_prefix_idx',
    'account_handle_prefix_idx',
    'email_token_did_idx',
    'refresh_token_next_id_idx',
  ]) {
    await db.schema.dropIndex(name).ifExists().execute()
  }
}
