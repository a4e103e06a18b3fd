import type { EntrywayDb } from '@entryway/db'
import type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from '../index.js'

const COLUMNS = ['did', 'purpose', 'token', 'requestedAt'] as const

export class KyselyEmailTokenStore implements EmailTokenStore {
  constructor(private readonly db: EntrywayDb) {}

  async put(rec: EmailTokenRecord): Promise<void> {
    await this.db
      .insertInto('email_token')
      .values(rec)
      .onConflict((oc) =>
        oc
          .columns(['purpose', 'did'])
          .doUpdateSet({ token: rec.token, requestedAt: rec.requestedAt }),
      )
      .execute()
  }

  async find(
    did: string,
    purpose: EmailTokenPurpose,
    token: string,
  ): Promise<EmailTokenRecord | null> {
    const row = await this.db
      .selectFrom('email_token')
      .select(COLUMNS)
      .where('did', '=', did)
      .where('purpose', '=', purpose)
      .where('token', '=', token)
      .executeTakeFirst()
    return row ?? null
  }

  async consume(
    did: string,
    purpose: EmailTokenPurpose,
    token: string,
  ): Promise<EmailTokenRecord | null> {
    // delete … returning: of two concurrent uses exactly one gets the row.
    const row = await this.db
      .deleteFrom('email_token')
      .where('did', '=', did)
      .where('purpose', '=', purpose)
      .where('token', '=', token)
      .returning(COLUMNS)
      .executeTakeFirst()
    return row ?? null
  }

  async findByToken(purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRecord | null> {
    const row = await this.db
      .selectFrom('email_token')
      .select(COLUMNS)
      .where('purpose', '=', purpose)
      .where('token', '=', token)
      .executeTakeFirst()
    return row ?? null
  }

  async consumeByToken(
    purpose: EmailTokenPurpose,
    token: string,
  ): Promise<EmailTokenRecord | null> {
    const row = await this.db
      .deleteFrom('email_token')
      .where('purpose', '=', purpose)
      .where('token', '=', token)
      .returning(COLUMNS)
      .executeTakeFirst()
    return row ?? null
  }

  async delete(did: string, purpose: EmailTokenPurpose): Promise<void> {
    await this.db
      .deleteFrom('email_token')
      .where('did', '=', did)
      .where('purpose', '=', purpose)
      .execute()
  }

  async deleteAll(did: string): Promise<void> {
    await this.db.deleteFrom('email_token').where('did', '=', did).execute()
  }
}
