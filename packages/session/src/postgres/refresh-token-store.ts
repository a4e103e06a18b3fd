import type { EntrywayDb } from '@entryway/db'
import type { RefreshTokenRecord, RotateRefreshInput, SessionRefreshStore } from '../index.js'

/** Postgres-backed refresh tokens: insert/get for the issuer, rotation and revocation for sessions. */
export class KyselyRefreshTokenStore implements SessionRefreshStore {
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

  async rotate(i: RotateRefreshInput): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      // The row lock taken here orders concurrent rotations; the loser sees the winner's nextId.
      const res = await tx
        .updateTable('refresh_token')
        .set({ expiresAt: i.expiresAt, nextId: i.nextId })
        .where('id', '=', i.id)
        .where((eb) => eb.or([eb('nextId', 'is', null), eb('nextId', '=', i.nextId)]))
        .executeTakeFirst()
      if (Number(res.numUpdatedRows) === 0) return false
      await tx
        .insertInto('refresh_token')
        .values({ ...i.successor, nextId: null, createdAt: new Date().toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
      return true
    })
  }

  async revoke(id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('refresh_token')
      .where((eb) => eb.or([eb('id', '=', id), eb('nextId', '=', id)]))
      .execute()
    return res.some((r) => Number(r.numDeletedRows) > 0)
  }

  async revokeByDid(did: string): Promise<void> {
    await this.db.deleteFrom('refresh_token').where('did', '=', did).execute()
  }

  async revokeByAppPassword(did: string, appPasswordName: string): Promise<void> {
    await this.db
      .deleteFrom('refresh_token')
      .where('did', '=', did)
      .where('appPasswordName', '=', appPasswordName)
      .execute()
  }

  async deleteExpired(did: string, nowIso: string): Promise<void> {
    await this.db
      .deleteFrom('refresh_token')
      .where('did', '=', did)
      .where('expiresAt', '<=', nowIso)
      .execute()
  }
}
