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

export interface FleetAccountPage {
  accounts: FleetAccount[]
  cursor?: string
}

/** The fleet's hosts and accounts (the app adapts the Entryway's account and host tables). */
export interface FleetDirectory {
  hosts(): Promise<FleetHost[]>
  hostForAccount(did: string): Promise<FleetHost | null>
  /** Ordered by DID; `query` matches a handle or DID prefix. */
  listAccounts(opts: { limit: number; cursor?: string; query?: string }): Promise<FleetAccountPage>
}

export class MemoryFleetDirectory implements FleetDirectory {
  constructor(
    readonly hostList: FleetHost[],
    readonly accounts: FleetAccount[] = [],
  ) {}
  async hosts(): Promise<FleetHost[]> {
    return [...this.hostList]
  }
  async hostForAccount(did: string): Promise<FleetHost | null> {
    const a = this.accounts.find((x) => x.did === did)
    return (a && this.hostList.find((h) => h.id === a.hostId)) ?? null
  }
  async listAccounts(opts: {
    limit: number
    cursor?: string
    query?: string
  }): Promise<FleetAccountPage> {
    const q = opts.query?.toLowerCase()
    const all = this.accounts
      .filter(
        (a) =>
          (!opts.cursor || a.did > opts.cursor) &&
          (!q || a.did.startsWith(q) || a.handle.startsWith(q)),
      )
      .sort((a, b) => (a.did < b.did ? -1 : 1))
    const accounts = all.slice(0, opts.limit)
    return { accounts, cursor: all.length > opts.limit ? accounts.at(-1)!.did : undefined }
  }
}
