import type { EntrywayDb } from '@entryway/db'
import type { AccountRoutes } from '../index.js'

/** account → host from `account` joined with `pds_host` (primary keys: one index lookup each). */
export class KyselyAccountRoutes implements AccountRoutes {
  constructor(private readonly db: EntrywayDb) {}

  async hostUrlForDid(did: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('account')
      .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
      .select('pds_host.url')
      .where('account.did', '=', did)
      .executeTakeFirst()
    return row?.url ?? null
  }

  async didForHandle(handle: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('account')
      .select('did')
      .where('handle', '=', handle.toLowerCase())
      .executeTakeFirst()
    return row?.did ?? null
  }
}
