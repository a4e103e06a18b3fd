import type { Selectable } from 'kysely'
import type { EntrywayDb, InviteCode } from '@entryway/db'
import type { InviteCodeRecord, InvitePage, InviteStore, NewInviteCode } from '../index.js'

type CodeRow = Selectable<InviteCode>

/** Invite codes in `invite_code` and their uses in `invite_code_use`. */
export class KyselyInviteStore implements InviteStore {
  constructor(private readonly db: EntrywayDb) {}

  async createCodes(codes: NewInviteCode[]): Promise<void> {
    if (!codes.length) return
    const now = new Date().toISOString()
    await this.db
      .insertInto('invite_code')
      .values(codes.map((c) => ({ ...c, disabled: false, createdAt: now })))
      .execute()
  }

  async getCode(code: string): Promise<InviteCodeRecord | null> {
    const row = await this.db
      .selectFrom('invite_code')
      .selectAll()
      .where('code', '=', code)
      .executeTakeFirst()
    return row ? (await this.withUses([row]))[0]! : null
  }

  async listForAccount(did: string, opts: { includeUsed: boolean }): Promise<InviteCodeRecord[]> {
    const rows = await this.db
      .selectFrom('invite_code')
      .selectAll()
      .where('forAccount', '=', did)
      .orderBy('createdAt', 'desc')
      .execute()
    const all = await this.withUses(rows)
    return opts.includeUsed
      ? all
      : all.filter((c) => !c.disabled && c.uses.length < c.availableUses)
  }

  async listCodes(opts: {
    sort: 'recent' | 'usage'
    limit: number
    cursor?: string
  }): Promise<InvitePage> {
    // an offset cursor: this is an admin listing, not a hot path
    const offset = opts.cursor ? Math.max(0, Number.parseInt(opts.cursor, 10) || 0) : 0
    const columns = [
      'invite_code.code',
      'invite_code.availableUses',
      'invite_code.disabled',
      'invite_code.forAccount',
      'invite_code.createdBy',
      'invite_code.createdAt',
    ] as const
    // "recent" walks the (createdAt desc, code) index and reads only the page's uses; "usage"
    // must count every code's uses to sort by them (an operator's occasional listing).
    const rows =
      opts.sort === 'usage'
        ? await this.db
            .selectFrom('invite_code')
            .leftJoin('invite_code_use', 'invite_code_use.code', 'invite_code.code')
            .select([
              ...columns,
              (eb) => eb.fn.count<string>('invite_code_use.usedBy').as('useCount'),
            ])
            .groupBy('invite_code.code')
            .orderBy('useCount', 'desc')
            .orderBy('invite_code.code')
            .limit(opts.limit + 1)
            .offset(offset)
            .execute()
        : await this.db
            .selectFrom('invite_code')
            .select(columns)
            .orderBy('invite_code.createdAt', 'desc')
            .orderBy('invite_code.code')
            .limit(opts.limit + 1)
            .offset(offset)
            .execute()
    const page = await this.withUses(rows.slice(0, opts.limit))
    return {
      codes: page,
      ...(rows.length > opts.limit ? { cursor: String(offset + opts.limit) } : {}),
    }
  }

  async disableCodes(opts: { codes: string[]; accounts: string[] }): Promise<void> {
    if (opts.codes.length)
      await this.db
        .updateTable('invite_code')
        .set({ disabled: true })
        .where('code', 'in', opts.codes)
        .execute()
    if (opts.accounts.length)
      await this.db
        .updateTable('invite_code')
        .set({ disabled: true })
        .where('forAccount', 'in', opts.accounts)
        .execute()
  }

  private async withUses(rows: CodeRow[]): Promise<InviteCodeRecord[]> {
    if (!rows.length) return []
    const uses = await this.db
      .selectFrom('invite_code_use')
      .select(['code', 'usedBy', 'usedAt'])
      .where(
        'code',
        'in',
        rows.map((r) => r.code),
      )
      .orderBy('usedAt')
      .execute()
    return rows.map((r) => ({
      code: r.code,
      availableUses: r.availableUses,
      disabled: r.disabled,
      forAccount: r.forAccount,
      createdBy: r.createdBy,
      createdAt: r.createdAt,
      uses: uses
        .filter((u) => u.code === r.code)
        .map((u) => ({ usedBy: u.usedBy, usedAt: u.usedAt })),
    }))
  }
}
