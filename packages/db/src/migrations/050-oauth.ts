import type { Kysely } from 'kysely'

// The OAuth provider's state, shared by every Entryway instance. Dates are ISO-8601 text; JSON
// values are text (JSON.stringify), read back the same on Postgres and PGlite.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_request')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('clientId', 'text', (c) => c.notNull())
    .addColumn('clientAuth', 'text')
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .addColumn('deviceId', 'text')
    .addColumn('did', 'text')
    .addColumn('code', 'text', (c) => c.unique())
    .execute()
  await db.schema
    .createIndex('oauth_request_expires_at_idx')
    .on('oauth_request')
    .column('expiresAt')
    .execute()

  await db.schema
    .createTable('oauth_device')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sessionId', 'text', (c) => c.notNull().unique())
    .addColumn('userAgent', 'text')
    .addColumn('ipAddress', 'text', (c) => c.notNull())
    .addColumn('lastSeenAt', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('oauth_device_account')
    .addColumn('deviceId', 'text', (c) =>
      c.notNull().references('oauth_device.id').onDelete('cascade'),
    )
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_device_account_pkey', ['deviceId', 'did'])
    .execute()
  await db.schema
    .createIndex('oauth_device_account_did_idx')
    .on('oauth_device_account')
    .column('did')
    .execute()

  await db.schema
    .createTable('oauth_authorized_client')
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('clientId', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_authorized_client_pkey', ['did', 'clientId'])
    .execute()

  await db.schema
    .createTable('oauth_token')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('did', 'text', (c) => c.notNull())
    .addColumn('clientId', 'text', (c) => c.notNull())
    .addColumn('clientAuth', 'text', (c) => c.notNull())
    .addColumn('deviceId', 'text')
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('scope', 'text')
    .addColumn('code', 'text', (c) => c.unique())
    .addColumn('currentRefreshToken', 'text', (c) => c.unique())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('oauth_token_did_idx').on('oauth_token').column('did').execute()

  await db.schema
    .createTable('oauth_used_refresh_token')
    .addColumn('refreshToken', 'text', (c) => c.primaryKey())
    .addColumn('tokenId', 'text', (c) =>
      c.notNull().references('oauth_token.id').onDelete('cascade').onUpdate('cascade'),
    )
    .execute()
  await db.schema
    .createIndex('oauth_used_refresh_token_token_idx')
    .on('oauth_used_refresh_token')
    .column('tokenId')
    .execute()

  await db.schema
    .createTable('oauth_lexicon')
    .addColumn('nsid', 'text', (c) => c.primaryKey())
    .addColumn('uri', 'text')
    .addColumn('lexicon', 'text')
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .addColumn('updatedAt', 'text', (c) => c.notNull())
    .addColumn('lastSucceededAt', 'text')
    .execute()

  await db.schema
    .createTable('oauth_replay')
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_replay_pkey', ['namespace', 'nonce'])
    .execute()
  await db.schema
    .createIndex('oauth_replay_expires_at_idx')
    .on('oauth_replay')
    .column('expiresAt')
    .execute()

  await db.schema
    .createTable('oauth_scope_ref')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('createdAt', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'oauth_scope_ref',
    'oauth_replay',
    'oauth_lexicon',
    'oauth_used_refresh_token',
    'oauth_token',
    'oauth_authorized_client',
    'oauth_device_account',
    'oauth_device',
    'oauth_request',
  ]) {
    await db.schema.dropTable(t).ifExists().execute()
  }
}
