import type { EntrywayDb } from '@entryway/db'
import type { WorkerLeases } from '../worker-lease.js'

/**
 * Leases in `worker_lease`: one upsert that takes a free or expired lease, or renews this
 * holder's, and changes nothing otherwise; the row it returns says who holds it.
 */
export class KyselyWorkerLeases implements WorkerLeases {
  constructor(private readonly db: EntrywayDb) {}

  async acquire(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const at = now.toISOString()
    const row = await this.db
      .insertInto('worker_lease')
      .values({ name, holder, expiresAt: new Date(now.getTime() + ttlMs).toISOString() })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            expiresAt: eb.ref('excluded.expiresAt'),
          }))
          .where((eb) =>
            eb.or([eb('worker_lease.holder', '=', holder), eb('worker_lease.expiresAt', '<', at)]),
          ),
      )
      .returning('holder')
      .executeTakeFirst()
    return row?.holder === holder
  }
}
