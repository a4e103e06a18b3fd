import { sql, type Kysely } from 'kysely'

// Costs that must not grow with the number of accounts (the query-plans test EXPLAINs each hot
// path on a seeded database and fails on a full scan of a growing table):
// - the placement decision read every account row (count … group by host) on each sign-up: the
//   per-host count is now kept by a trigger, in the same transaction as the row change;
// - in-flight sign-ups per host and the reconciler's stale sign-ups scanned every completed
//   sign-up: partial indexes over the live states only;
// - an admin page of one host's accounts, and the newest invite codes, walked a whole index.
const LIVE = sql.raw(`('pending', 'key_reserved', 'pds_created')`)

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('host_account_count')
    .addColumn('hostId', 'integer', (c) =>
      c.primaryKey().references('pds_host.id').onDelete('cascade'),
    )
    .addColumn('n', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`
    create or replace function host_account_count_track() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.status <> 'deleted' then
        update host_account_count set n = n - 1 where host_id = old.host_id;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.status <> 'deleted' then
        insert into host_account_count (host_id, n) values (new.host_id, 1)
          on conflict (host_id) do update set n = host_account_count.n + 1;
      end if;
      return null;
    end $$`.execute(db)
  await sql`
    create trigger account_host_count after insert or delete or update of host_id, status on account
    for each row execute function host_account_count_track()`.execute(db)
  await sql`
    insert into host_account_count (host_id, n)
    select host_id, count(*) from account where status <> 'deleted' group by host_id`.execute(db)

  await sql`create index account_creation_live_host_idx on account_creation (host_id) where state in ${LIVE}`.execute(
    db,
  )
  // 020's index said `state not in ('failed','complete')`, which a planner cannot match with the
  // queries' `state in (…live…)`: replaced by one with the queries' own predicate
  await db.schema.dropIndex('account_creation_live_updated_idx').ifExists().execute()
  await sql`create index account_creation_stale_idx on account_creation (updated_at) where state in ${LIVE}`.execute(
    db,
  )
  await db.schema
    .createIndex('account_host_did_idx')
    .on('account')
    .columns(['hostId', 'did'])
    .execute()
  await db.schema.dropIndex('account_host_idx').ifExists().execute()
  await sql`create index invite_code_created_idx on invite_code (created_at desc, code)`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('invite_code_created_idx').ifExists().execute()
  await db.schema.createIndex('account_host_idx').on('account').column('hostId').execute()
  await db.schema.dropIndex('account_host_did_idx').ifExists().execute()
  await db.schema.dropIndex('account_creation_stale_idx').ifExists().execute()
  await sql`create index account_creation_live_updated_idx on account_creation (updated_at) where state not in ('failed','complete')`.execute(
    db,
  )
  await db.schema.dropIndex('account_creation_live_host_idx').ifExists().execute()
  await sql`drop trigger if exists account_host_count on account`.execute(db)
  await sql`drop function if exists host_account_count_track()`.execute(db)
  await db.schema.dropTable('host_account_count').ifExists().execute()
}
