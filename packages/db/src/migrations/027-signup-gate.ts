import type { Kysely } from 'kysely'

// Codes the sign-up gate hands out after a passed captcha, kept in the database so whichever
// instance serves createAccount can check one. Only a hash of the code is stored: a leaked row
// cannot be replayed. Consumed rows are deleted; expired ones go with the next issue.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signup_gate_code')
    .addColumn('codeHash', 'text', (c) => c.primaryKey())
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expiresAt', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('signup_gate_code_expires_idx')
    .on('signup_gate_code')
    .column('expiresAt')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('signup_gate_code').ifExists().execute()
}
