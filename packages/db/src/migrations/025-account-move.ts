import { type Kysely, sql } from 'kysely'

// One row per account move (docs/account-moves.md): the step reached is the resume point; the
// lease makes one instance drive a job at a time; one live move per DID.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account_move')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('sourceHostId', 'integer', (c) => c.notNull().references('pds_host.id'))
    .addColumn('targetHostId', 'integer', (c) => c.notNull().references('pds_host.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('sourceSigningKey', 'text')
    .addColumn('evacuation', 'text')
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('leaseOwner', 'text')
    .addColumn('leaseUntil', 'text')
    .addColumn('frozenAt', 'text')
    .addColumn('finishedAt', 'text')
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'account_move_state_check',
      sql`state in ('queued','running','rolling_back','done','rolled_back','failed')`,
    )
    .execute()
  await sql`create unique index account_move_live_did_idx on account_move (did) where state in ('queued','running','rolling_back')`.execute(
    db,
  )
  await sql`create index account_move_live_idx on account_move (id) where state in ('queued','running','rolling_back')`.execute(
    db,
  )
  await db.schema
    .createIndex('account_move_evacuation_idx')
    .on('account_move')
    .column('evacuation')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('account_move').ifExists().execute()
}
