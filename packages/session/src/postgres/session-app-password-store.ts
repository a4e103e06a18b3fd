import type { EntrywayDb } from '@entryway/db'
import type { AppPasswordRecord, AppPasswordStore } from '../index.js'

export class KyselyAppPasswordStore implements AppPasswordStore {
  constructor(private readonly db: EntrywayDb) {}

  async create(did: string, rec: AppPasswordRecord): Promise<boolean> {
    const res = await this.db
      .insertInto('app_password')
      .values({ did, ...rec })
      .onConflict((oc) => oc.columns(['did', 'name']).doNothing())
      .executeTakeFirst()
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async list(did: string): Promise<AppPasswordRecord[]> {
    return this.db
      .selectFrom('app_password')
      .select(['name', 'passwordScrypt', 'privileged', 'createdAt'])
      .where('did', '=', did)
      .orderBy('createdAt', 'desc')
      .execute()
  }

  async get(did: string, name: string): Promise<AppPasswordRecord | null> {
    const row = await this.db
      .selectFrom('app_password')
      .select(['name', 'passwordScrypt', 'privileged', 'createdAt'])
      .where('did', '=', did)
      .where('name', '=', name)
      .executeTakeFirst()
    return row ?? null
  }

  async findByHash(did: string, passwordScrypt: string): Promise<AppPasswordRecord | null> {
    const row = await this.db
      .selectFrom('app_password')
      .select(['name', 'passwordScrypt', 'privileged', 'createdAt'])
      .where('did', '=', did)
      .where('passwordScrypt', '=', passwordScrypt)
      .executeTakeFirst()
    return row ?? null
  }

  async delete(did: string, name: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('app_password')
      .where('did', '=', did)
      .where('name', '=', name)
      .executeTakeFirst()
    return Number(res.numDeletedRows) > 0
  }

  async deleteAll(did: string): Promise<void> {
    await this.db.deleteFrom('app_password').where('did', '=', did).execute()
  }
}
