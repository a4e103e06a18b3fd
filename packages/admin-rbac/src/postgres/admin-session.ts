import type { EntrywayDb } from '@entryway/db'
import type { AdminSession, AdminSessionStore } from '../index.js'

/** Admin portal sessions in Postgres, so every instance knows them and sign-out is immediate. */
export class KyselyAdminSessionStore implements AdminSessionStore {
  constructor(private readonly db: EntrywayDb) {}
  async create(s: AdminSession): Promise<void> {
    await this.db.insertInto('admin_session').values(s).execute()
  }
  async get(id: string): Promise<AdminSession | null> {
    return (
      (await this.db
        .selectFrom('admin_session')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()) ?? null
    )
  }
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('admin_session').where('id', '=', id).execute()
  }
  async deleteExpired(now: string): Promise<number> {
    const r = await this.db
      .deleteFrom('admin_session')
      .where('expiresAt', '<', now)
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }
}
