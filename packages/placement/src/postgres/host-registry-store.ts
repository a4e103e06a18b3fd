import type { EntrywayDb } from '@entryway/db'
import {
  HostConflictError,
  newHostRow,
  type HealthObservation,
  type Host,
  type HostPatch,
  type HostRegistry,
  type HostStatus,
  type NewHost,
} from '../index.js'
import { sql } from 'kysely'
import { isUniqueViolation } from './placement-db-errors.js'
import { liveSignupState } from './live-signup-states.js'

/** The fleet registry in `pds_host`. */
export class KyselyHostRegistry implements HostRegistry {
  constructor(private readonly db: EntrywayDb) {}

  async list(): Promise<Host[]> {
    return this.db.selectFrom('pds_host').selectAll().orderBy('id').execute()
  }

  async get(id: number): Promise<Host | null> {
    return (
      (await this.db.selectFrom('pds_host').selectAll().where('id', '=', id).executeTakeFirst()) ??
      null
    )
  }

  async getByUrl(url: string): Promise<Host | null> {
    return (
      (await this.db
        .selectFrom('pds_host')
        .selectAll()
        .where('url', '=', url)
        .executeTakeFirst()) ?? null
    )
  }

  async getByDid(did: string): Promise<Host | null> {
    return (
      (await this.db
        .selectFrom('pds_host')
        .selectAll()
        .where('did', '=', did)
        .executeTakeFirst()) ?? null
    )
  }

  async add(n: NewHost): Promise<Host> {
    const now = new Date().toISOString()
    try {
      return await this.db
        .insertInto('pds_host')
        .values(newHostRow(n, now))
        .returningAll()
        .executeTakeFirstOrThrow()
    } catch (err) {
      if (isUniqueViolation(err)) throw new HostConflictError(`host already registered: ${n.url}`)
      throw err
    }
  }

  async setStatus(id: number, status: HostStatus): Promise<Host | null> {
    const row = await this.db
      .updateTable('pds_host')
      .set({ status, updatedAt: new Date().toISOString() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row ?? null
  }

  async update(id: number, patch: HostPatch): Promise<Host | null> {
    const row = await this.db
      .updateTable('pds_host')
      .set({
        ...(patch.weight !== undefined ? { weight: patch.weight } : {}),
        ...(patch.accountCap !== undefined ? { accountCap: patch.accountCap } : {}),
        ...(patch.internalUrl !== undefined ? { internalUrl: patch.internalUrl } : {}),
        updatedAt: new Date().toISOString(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row ?? null
  }

  async recordHealth(id: number, obs: HealthObservation, unhealthyAfter: number): Promise<void> {
    // one statement, so concurrent checkers (several gateways) count failures consistently
    await this.db
      .updateTable('pds_host')
      .set((eb) => ({
        consecutiveFailures: obs.ok ? 0 : eb('consecutiveFailures', '+', 1),
        healthy: obs.ok
          ? true
          : sql<boolean>`healthy and consecutive_failures + 1 < ${unhealthyAfter}`,
        lastCheckAt: obs.at,
        lastError: obs.ok ? null : (obs.error ?? 'unknown').slice(0, 500),
        ...(obs.version ? { version: obs.version } : {}),
        updatedAt: obs.at,
      }))
      .where('id', '=', id)
      .execute()
  }

  async accountCounts(): Promise<Map<number, number>> {
    const [accounts, live] = await Promise.all([
      // kept per host by a trigger on account: no scan of the accounts per sign-up
      this.db.selectFrom('host_account_count').select(['hostId', 'n']).execute(),
      this.db
        .selectFrom('account_creation')
        .select(['hostId', (eb) => eb.fn.countAll<string>().as('n')])
        .where(liveSignupState)
        .where('hostId', 'is not', null)
        .groupBy('hostId')
        .execute(),
    ])
    const m = new Map<number, number>()
    for (const r of [...accounts, ...live]) {
      if (r.hostId !== null) m.set(r.hostId, (m.get(r.hostId) ?? 0) + Number(r.n))
    }
    return m
  }
}
