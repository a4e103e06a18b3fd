import { type Kysely, sql } from 'kysely'

// Identifiers are camelCase here; the CamelCasePlugin turns them into snake_case columns.
// Timestamps are ISO-8601 text (as in the PDS), which sorts and compares correctly as text.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pds_host')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull().unique())
    .addColumn('did', 'text', (c) => c.notNull().unique())
    .addColumn('internalUrl', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('registered'))
    .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('accountCap', 'integer')
    .addColumn('healthy', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('consecutiveFailures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lastCheckAt', 'text')
    .addColumn('lastError', 'text')
    .addColumn('version', 'text')
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'pds_host_status_check',
      sql`status in ('registered','enabled','draining','disabled','retired')`,
    )
    .execute()

  await db.schema
    .createTable('account')
    .addColumn('did', 'text', (c) => c.primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.unique())
    .addColumn('emailConfirmedAt', 'text')
    .addColumn('emailAuthFactor', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('passwordScrypt', 'text')
    .addColumn('hostId', 'integer', (c) => c.notNull().references('pds_host.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('takedownRef', 'text')
    .addColumn('deactivatedAt', 'text')
    .addColumn('invitesDisabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('account_host_idx').on('account').column('hostId').execute()

  await db.schema
    .createTable('account_creation')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('requestKey', 'text', (c) => c.notNull())
    .addColumn('did', 'text')
    .addColumn('hostId', 'integer', (c) => c.references('pds_host.id'))
    .addColumn('signingKey', 'text')
    .addColumn('plcOp', 'text')
    .addColumn('inviteCode', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .execute()
  // At most one live (not failed, not complete) creation per handle and per email: the database,
  // not a read-then-write race, decides which of two simultaneous sign-ups wins.
  await sql`create unique index account_creation_live_handle_idx on account_creation (handle) where state not in ('failed','complete')`.execute(
    db,
  )
  await sql`create unique index account_creation_live_email_idx on account_creation (email) where state not in ('failed','complete')`.execute(
    db,
  )

  await db.schema
    .createTable('refresh_token')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('appPasswordName', 'text')
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .addColumn('nextId', 'text')
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('refresh_token_did_idx').on('refresh_token').column('did').execute()

  await db.schema
    .createTable('app_password')
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('passwordScrypt', 'text', (c) => c.notNull())
    .addColumn('privileged', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_password_pkey', ['did', 'name'])
    .execute()

  await db.schema
    .createTable('invite_code')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('availableUses', 'integer', (c) => c.notNull())
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('forAccount', 'text', (c) => c.notNull())
    .addColumn('createdBy', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('invite_code_for_account_idx')
    .on('invite_code')
    .column('forAccount')
    .execute()
  await db.schema
    .createTable('invite_code_use')
    .addColumn('code', 'text', (c) => c.notNull().references('invite_code.code'))
    .addColumn('usedBy', 'text', (c) => c.notNull())
    .addColumn('usedAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('invite_code_use_pkey', ['code', 'usedBy'])
    .execute()

  await db.schema
    .createTable('email_token')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('requestedAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_token_pkey', ['purpose', 'did'])
    .addUniqueConstraint('email_token_purpose_token_unique', ['purpose', 'token'])
    .execute()

  await db.schema
    .createTable('admin_audit')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actorDid', 'text', (c) => c.notNull())
    .addColumn('nsid', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('hostId', 'integer')
    .addColumn('allowed', 'boolean', (c) => c.notNull())
    .addColumn('resultStatus', 'integer')
    .addColumn('detail', 'text')
    .addColumn('prevHash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .execute()
  await db.schema
    .createIndex('admin_audit_actor_idx')
    .on('admin_audit')
    .columns(['actorDid', 'at'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'admin_audit',
    'email_token',
    'invite_code_use',
    'invite_code',
    'app_password',
    'refresh_token',
    'account_creation',
    'account',
    'pds_host',
  ]) {
    await db.schema.dropTable(t).ifExists().execute()
  }
}
