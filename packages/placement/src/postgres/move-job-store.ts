import { sql } from 'kysely'
import type { EntrywayDb } from '@entryway/db'
import {
  LIVE_MOVE_STATES,
  type MoveJob,
  type MoveJobPatch,
  type MoveState,
  type MoveStep,
  type NewMoveJob,
} from '../move-job.js'
import { MoveConflictError, type MoveGateEntry, type MoveJobStore } from '../move-job-store.js'
import { isUniqueViolation } from './placement-db-errors.js'

const LIVE = [...LIVE_MOVE_STATES]

/** Move jobs in `account_move`; the routing switch updates `account` in the same transaction. */
export class KyselyMoveJobStore implements MoveJobStore {
  constructor(
    private readonly db: EntrywayDb,
    private readonly now: () => number = Date.now,
  ) {}

  async create(job: NewMoveJob): Promise<MoveJob> {
    const at = this.iso()
    try {
      const row = await this.db
        .insertInto('account_move')
        .values({
          did: job.did,
          sourceHostId: job.sourceHostId,
          targetHostId: job.targetHostId,
          state: 'queued',
          step: 'freeze',
          evacuation: job.evacuation ?? null,
          sourceSigningKey: null,
          error: null,
          leaseOwner: null,
          leaseUntil: null,
          frozenAt: null,
          finishedAt: null,
          createdAt: at,
          updatedAt: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toJob(row)
    } catch (err) {
      if (isUniqueViolation(err, 'account_move_live_did_idx'))
        throw new MoveConflictError(`${job.did} is already moving`)
      throw err
    }
  }

  async get(id: number): Promise<MoveJob | null> {
    const row = await this.db
      .selectFrom('account_move')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toJob(row) : null
  }

  async list(f: {
    state?: MoveState
    evacuation?: string
    did?: string
    limit: number
  }): Promise<MoveJob[]> {
    let q = this.db.selectFrom('account_move').selectAll().orderBy('id', 'desc').limit(f.limit)
    if (f.state) q = q.where('state', '=', f.state)
    if (f.evacuation) q = q.where('evacuation', '=', f.evacuation)
    if (f.did) q = q.where('did', '=', f.did)
    return (await q.execute()).map(toJob)
  }

  async claim(owner: string, leaseMs: number): Promise<MoveJob | null> {
    const at = this.iso()
    const until = new Date(this.now() + leaseMs).toISOString()
    return this.db.transaction().execute(async (tx) => {
      const free = await tx
        .selectFrom('account_move')
        .select('id')
        .where('state', 'in', LIVE)
        .where((e) => e.or([e('leaseUntil', 'is', null), e('leaseUntil', '<', at)]))
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst()
      if (!free) return null
      const row = await tx
        .updateTable('account_move')
        .set((e) => ({
          leaseOwner: owner,
          leaseUntil: until,
          attempts: sql`${e.ref('attempts')} + 1`,
          updatedAt: at,
        }))
        .set({ state: sql`case when state = 'queued' then 'running' else state end` as never })
        .where('id', '=', free.id)
        .returningAll()
        .executeTakeFirstOrThrow()
      return toJob(row)
    })
  }

  async update(id: number, owner: string, patch: MoveJobPatch, leaseMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('account_move')
      .set({
        ...patch,
        leaseUntil: new Date(this.now() + leaseMs).toISOString(),
        updatedAt: this.iso(),
      })
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .executeTakeFirst()
    return res.numUpdatedRows > 0n
  }

  async release(id: number, owner: string): Promise<void> {
    await this.db
      .updateTable('account_move')
      .set({ leaseOwner: null, leaseUntil: null })
      .where('id', '=', id)
      .where('leaseOwner', '=', owner)
      .execute()
  }

  async switchHost(
    id: number,
    owner: string,
    patch: MoveJobPatch,
    leaseMs: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const job = await tx
        .selectFrom('account_move')
        .select(['did', 'targetHostId'])
        .where('id', '=', id)
        .where('leaseOwner', '=', owner)
        .forUpdate()
        .executeTakeFirst()
      if (!job) return false
      const at = this.iso()
      await tx
        .updateTable('account')
        .set({ hostId: job.targetHostId, updatedAt: at })
        .where('did', '=', job.did)
        .execute()
      await tx
        .updateTable('account_move')
        .set({ ...patch, leaseUntil: new Date(this.now() + leaseMs).toISOString(), updatedAt: at })
        .where('id', '=', id)
        .execute()
      return true
    })
  }

  async gateEntries(recentMs: number): Promise<MoveGateEntry[]> {
    const since = new Date(this.now() - recentMs).toISOString()
    const rows = await this.db
      .selectFrom('account_move')
      .innerJoin('account', 'account.did', 'account_move.did')
      .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
      .select(['account_move.did', 'account_move.frozenAt', 'pds_host.did as hostDid'])
      .where((e) =>
        e.or([
          e('account_move.frozenAt', 'is not', null),
          e('account_move.finishedAt', '>', since),
        ]),
      )
      .where((e) =>
        e.or([e('account_move.state', 'in', LIVE), e('account_move.finishedAt', '>', since)]),
      )
      .execute()
    const out = new Map<string, MoveGateEntry>()
    for (const r of rows) {
      const prev = out.get(r.did)
      const frozen = r.frozenAt !== null || (prev?.frozen ?? false)
      out.set(r.did, { did: r.did, frozen, hostDid: r.hostDid })
    }
    return [...out.values()]
  }

  private iso(): string {
    return new Date(this.now()).toISOString()
  }
}

function toJob(r: {
  id: number
  did: string
  sourceHostId: number
  targetHostId: number
  state: string
  step: string
  sourceSigningKey: string | null
  evacuation: string | null
  error: string | null
  attempts: number
  leaseOwner: string | null
  leaseUntil: string | null
  frozenAt: string | null
  finishedAt: string | null
  createdAt: string
  updatedAt: string
}): MoveJob {
  return { ...r, state: r.state as MoveState, step: r.step as MoveStep }
}
