import type { EntrywayDb } from '@entryway/db'
import { OAUTH_STATE_TTL_MS, type OAuthAdminLoginOptions } from '../index.js'

type StateStore = NonNullable<OAuthAdminLoginOptions['stateStore']>
type SavedState = Parameters<StateStore['set']>[1]

/** Expired rows are purged once in this many sign-ins. */
const PURGE_EVERY = 50

/**
 * Pending admin OAuth sign-ins in Postgres: the callback may land on any gateway instance.
 * Rows live `OAUTH_STATE_TTL_MS` and are deleted when used.
 */
export class KyselyAdminOAuthStateStore implements StateStore {
  private sets = 0
  constructor(
    private readonly db: EntrywayDb,
    private readonly ttlMs = OAUTH_STATE_TTL_MS,
  ) {}

  async get(key: string): Promise<SavedState | undefined> {
    const row = await this.db
      .selectFrom('admin_oauth_state')
      .select('value')
      .where('key', '=', key)
      .where('expiresAt', '>', new Date().toISOString())
      .executeTakeFirst()
    return row ? (JSON.parse(row.value) as SavedState) : undefined
  }

  async set(key: string, value: SavedState): Promise<void> {
    const now = Date.now()
    if (++this.sets % PURGE_EVERY === 0) {
      await this.db
        .deleteFrom('admin_oauth_state')
        .where('expiresAt', '<', new Date(now).toISOString())
        .execute()
    }
    const row = {
      key,
      value: JSON.stringify(value),
      expiresAt: new Date(now + this.ttlMs).toISOString(),
    }
    await this.db
      .insertInto('admin_oauth_state')
      .values(row)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({ value: row.value, expiresAt: row.expiresAt }),
      )
      .execute()
  }

  async del(key: string): Promise<void> {
    await this.db.deleteFrom('admin_oauth_state').where('key', '=', key).execute()
  }
}
