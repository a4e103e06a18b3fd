/** A PDS of the fleet, as the portal needs it. */
export interface FleetHost {
  id: number
  /** Public URL (as DID documents name it). */
  url: string
  did: string
  /** Where the Entryway reaches it. */
  baseUrl: string
  status: string
}

export interface FleetAccount {
  did: string
  handle: string
  email: string | null
  hostId: number
  status: string
  createdAt: string
}

/** A host with what the hosts page shows: health, load and capacity. */
export interface FleetHostSummary extends FleetHost {
  healthy: boolean
  lastCheckAt: string | null
  lastError: string | null
  /** `null`: no cap. */
  accountCap: number | null
  accounts: number
}

export interface FleetAccountPage {
  accounts: FleetAccount[]
  /** The next page: pass as `cursor`. */
  cursor?: string
  /** The page before this one: pass as `before`. */
  previous?: string
}

export interface FleetAccountQuery {
  limit: number
  /** Accounts after this DID. */
  cursor?: string
  /** Accounts before this DID (a previous page); wins over `cursor`. */
  before?: string
  /** A prefix of the handle, DID or email. */
  query?: string
}

/** The fleet's hosts and accounts (the app adapts the Entryway's account and host tables). */
export interface FleetDirectory {
  hosts(): Promise<FleetHost[]>
  hostSummaries(): Promise<FleetHostSummary[]>
  hostForAccount(did: string): Promise<FleetHost | null>
  account(did: string): Promise<FleetAccount | null>
  /** Ordered by DID, `limit` at most, pages both ways. */
  listAccounts(opts: FleetAccountQuery): Promise<FleetAccountPage>
}

/** One page of DID-ordered rows, given `limit + 1` rows read forwards (or backwards for `before`). */
export function accountPage(
  rows: FleetAccount[],
  opts: Pick<FleetAccountQuery, 'limit' | 'cursor' | 'before'>,
): FleetAccountPage {
  const more = rows.length > opts.limit
  if (opts.before) {
    const accounts = rows.slice(0, opts.limit).reverse()
    return {
      accounts,
      ...(accounts.length ? { cursor: accounts.at(-1)!.did } : {}),
      ...(more ? { previous: accounts[0]!.did } : {}),
    }
  }
  const accounts = rows.slice(0, opts.limit)
  return {
    accounts,
    ...(more ? { cursor: accounts.at(-1)!.did } : {}),
    ...(opts.cursor && accounts.length ? { previous: accounts[0]!.did } : {}),
  }
}

export class MemoryFleetDirectory implements FleetDirectory {
  constructor(
    readonly hostList: FleetHost[],
    readonly accounts: FleetAccount[] = [],
    /** Health and capacity by host id; a host not named is healthy and uncapped. */
    readonly health: Map<number, { healthy: boolean; accountCap: number | null }> = new Map(),
  ) {}
  async hosts(): Promise<FleetHost[]> {
    return [...this.hostList]
  }
  async hostSummaries(): Promise<FleetHostSummary[]> {
    return this.hostList.map((h) => ({
      ...h,
      healthy: this.health.get(h.id)?.healthy ?? true,
      accountCap: this.health.get(h.id)?.accountCap ?? null,
      lastCheckAt: null,
      lastError: null,
      // as the Postgres directory's per-host counter: a deleted account no longer counts
      accounts: this.accounts.filter((a) => a.hostId === h.id && a.status !== 'deleted').length,
    }))
  }
  async account(did: string): Promise<FleetAccount | null> {
    const a = this.accounts.find((x) => x.did === did)
    return a ? { ...a } : null
  }
  async hostForAccount(did: string): Promise<FleetHost | null> {
    const a = this.accounts.find((x) => x.did === did)
    return (a && this.hostList.find((h) => h.id === a.hostId)) ?? null
  }
  async listAccounts(opts: FleetAccountQuery): Promise<FleetAccountPage> {
    const q = opts.query?.toLowerCase()
    const matching = this.accounts
      .filter(
        (a) =>
          !q ||
          a.did.startsWith(q) ||
          a.handle.startsWith(q) ||
          (a.email ?? '').toLowerCase().startsWith(q),
      )
      .sort((a, b) => (a.did < b.did ? -1 : 1))
    const rows = opts.before
      ? matching.filter((a) => a.did < opts.before!).reverse()
      : matching.filter((a) => !opts.cursor || a.did > opts.cursor)
    return accountPage(rows.slice(0, opts.limit + 1), opts)
  }
}
