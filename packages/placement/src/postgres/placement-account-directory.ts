import type { EntrywayDb } from '@entryway/db'
import {
  LIVE_SIGNUP_STATES,
  type AccountDirectory,
  type AccountPage,
  type PlacedAccount,
} from '../index.js'
import { isUniqueViolation } from './placement-db-errors.js'

const LIVE = [...LIVE_SIGNUP_STATES]
const COLUMNS = [
  'did',
  'handle',
  'email',
  'hostId',
  'status',
  'createdAt',
  'updatedAt',
  'invitesDisabled',
] as const

/** Handles, emails and hosts of accounts, from `account` (and live rows of `account_creation`). */
export class KyselyAccountDirectory implements AccountDirectory {
  constructor(private readonly db: EntrywayDb) {}

  async getByHandle(handle: string): Promise<PlacedAccount | null> {
    const r = await this.db
      .selectFrom('account')
      .select(COLUMNS)
      .where('handle', '=', handle)
      .where('status', '!=', 'deleted')
      .executeTakeFirst()
    return r ?? null
  }

  async getByDid(did: string): Promise<PlacedAccount | null> {
    return (
      (await this.db
        .selectFrom('account')
        .select(COLUMNS)
        .where('did', '=', did)
        .executeTakeFirst()) ?? null
    )
  }

  async isHandleTaken(handle: string): Promise<boolean> {
    const [a, s] = await Promise.all([
      this.db.selectFrom('account').select('did').where('handle', '=', handle).executeTakeFirst(),
      this.db
        .selectFrom('account_creation')
        .select('id')
        .where('handle', '=', handle)
        .where('state', 'in', LIVE)
        .executeTakeFirst(),
    ])
    return !!(a || s)
  }

  async isEmailTaken(email: string): Promise<boolean> {
    const [a, s] = await Promise.all([
      this.db.selectFrom('account').select('did').where('email', '=', email).executeTakeFirst(),
      this.db
        .selectFrom('account_creation')
        .select('id')
        .where('email', '=', email)
        .where('state', 'in', LIVE)
        .executeTakeFirst(),
    ])
    return !!(a || s)
  }

  async setHandle(did: string, handle: string): Promise<'ok' | 'taken'> {
    const live = await this.db
      .selectFrom('account_creation')
      .select('id')
      .where('handle', '=', handle)
      .where('state', 'in', LIVE)
      .executeTakeFirst()
    if (live) return 'taken'
    try {
      await this.db
        .updateTable('account')
        .set({ handle, updatedAt: new Date().toISOString() })
        .where('did', '=', did)
        .execute()
      return 'ok'
    } catch (err) {
      if (isUniqueViolation(err, 'account_handle_key')) return 'taken'
      throw err
    }
  }

  async setInvitesDisabled(did: string, disabled: boolean): Promise<boolean> {
    const res = await this.db
      .updateTable('account')
      .set({ invitesDisabled: disabled, updatedAt: new Date().toISOString() })
      .where('did', '=', did)
      .where('status', '!=', 'deleted')
      .executeTakeFirst()
    return res.numUpdatedRows > 0n
  }

  async list(opts: { hostId?: number; limit: number; cursor?: string }): Promise<AccountPage> {
    let q = this.db
      .selectFrom('account')
      .select(COLUMNS)
      .orderBy('did')
      .limit(opts.limit + 1)
    if (opts.hostId !== undefined) q = q.where('hostId', '=', opts.hostId)
    if (opts.cursor) q = q.where('did', '>', opts.cursor)
    const rows = await q.execute()
    const page = rows.slice(0, opts.limit)
    return { accounts: page, ...(rows.length > opts.limit ? { cursor: page.at(-1)!.did } : {}) }
  }
}
