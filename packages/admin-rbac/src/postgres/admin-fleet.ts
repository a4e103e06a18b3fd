import type { Selectable } from 'kysely'
import type { EntrywayDb, PdsHost } from '@entryway/db'
import {
  accountPage,
  type FleetAccount,
  type FleetAccountPage,
  type FleetAccountQuery,
  type FleetDirectory,
  type FleetHost,
  type FleetHostSummary,
} from '../index.js'

const toHost = (
  h: Pick<Selectable<PdsHost>, 'id' | 'url' | 'did' | 'internalUrl' | 'status'>,
): FleetHost => ({
  id: h.id,
  url: h.url,
  did: h.did,
  baseUrl: (h.internalUrl ?? h.url).replace(/\/+$/, ''),
  status: h.status,
})

/** The fleet as the admin portal sees it: the Entryway's host and account tables. */
export class KyselyFleetDirectory implements FleetDirectory {
  constructor(private readonly db: EntrywayDb) {}

  async hosts(): Promise<FleetHost[]> {
    const rows = await this.db
      .selectFrom('pds_host')
      .select(['id', 'url', 'did', 'internalUrl', 'status'])
      .orderBy('id')
      .execute()
    return rows.map(toHost)
  }

  async hostForAccount(did: string): Promise<FleetHost | null> {
    const row = await this.db
      .selectFrom('account')
      .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
      .select([
        'pds_host.id',
        'pds_host.url',
        'pds_host.did',
        'pds_host.internalUrl',
        'pds_host.status',
      ])
      .where('account.did', '=', did)
      .executeTakeFirst()
    return row ? toHost(row) : null
  }

  async hostSummaries(): Promise<FleetHostSummary[]> {
    const [rows, counts] = await Promise.all([
      this.db
        .selectFrom('pds_host')
        .select([
          'id',
          'url',
          'did',
          'internalUrl',
          'status',
          'healthy',
          'lastCheckAt',
          'lastError',
          'accountCap',
        ])
        .orderBy('id')
        .execute(),
      // kept per host by a trigger on account (migration 026): no scan of the accounts per page
      this.db.selectFrom('host_account_count').select(['hostId', 'n']).execute(),
    ])
    const byHost = new Map(counts.map((c) => [c.hostId, Number(c.n)]))
    return rows.map((h) => ({
      ...toHost(h),
      healthy: h.healthy,
      lastCheckAt: h.lastCheckAt,
      lastError: h.lastError,
      accountCap: h.accountCap,
      accounts: byHost.get(h.id) ?? 0,
    }))
  }

  async account(did: string): Promise<FleetAccount | null> {
    const row = await this.db
      .selectFrom('account')
      .select(['did', 'handle', 'email', 'hostId', 'status', 'createdAt'])
      .where('did', '=', did)
      .executeTakeFirst()
    return row ?? null
  }

  async listAccounts(opts: FleetAccountQuery): Promise<FleetAccountPage> {
    let q = this.db
      .selectFrom('account')
      .select(['did', 'handle', 'email', 'hostId', 'status', 'createdAt'])
    if (opts.before) q = q.where('did', '<', opts.before)
    else if (opts.cursor) q = q.where('did', '>', opts.cursor)
    if (opts.query) {
      const like = `${opts.query.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`
      q = q.where((eb) =>
        eb.or([eb('did', 'like', like), eb('handle', 'like', like), eb('email', 'like', like)]),
      )
    }
    const rows = await q
      .orderBy('did', opts.before ? 'desc' : 'asc')
      .limit(opts.limit + 1)
      .execute()
    return accountPage(rows, opts)
  }
}
