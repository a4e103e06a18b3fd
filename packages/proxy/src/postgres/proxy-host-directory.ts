import type { EntrywayDb } from '@entryway/db'
import type { FleetHost, HostDirectory } from '../index.js'

/** Fleet hosts from `pds_host` (every status; the proxy skips retired ones). */
export class KyselyHostDirectory implements HostDirectory {
  constructor(private readonly db: EntrywayDb) {}

  async list(): Promise<FleetHost[]> {
    const rows = await this.db
      .selectFrom('pds_host')
      .select(['url', 'internalUrl', 'did', 'status', 'healthy'])
      .orderBy('id')
      .execute()
    return rows.map((r) => ({
      url: r.url,
      internalUrl: r.internalUrl,
      did: r.did,
      status: r.status,
      healthy: r.healthy,
    }))
  }
}
