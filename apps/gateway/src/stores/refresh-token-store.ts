import type { EntrywayDb } from '@entryway/db'
import type { RefreshTokenRecord, RefreshTokenStore } from '@entryway/session'

/** Postgres-backed refresh tokens (the session plugin extends this store with rotation and revocation). */
export class KyselyRefreshTokenStore implements RefreshTokenStore {
  constructor(protected readonly db: EntrywayDb) {}

  async insert(rec: Omit<RefreshTokenRecord, 'nextId'>): Promise<void> {
    await this.db
      .insertInto('refresh_token')
      .values({ ...rec, nextId: null, createdAt: new Date().toISOString() })
      .execute()
  }

  async get(id: string): Promise<RefreshTokenRecord | null> {
    const row = await this.db
      .selectFrom('refresh_token')
      .select(['id', 'did', 'appPasswordName', 'expiresAt', 'nextId'])
      .where('id', '=', id)
      .executeTakeFirst()
    return row ?? null
  }
}
