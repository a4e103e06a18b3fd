import type { FastifyBaseLogger } from 'fastify'
import type { Keypair } from '@atproto/crypto'
import type { AccountDirectory } from './account-directory.js'
import type { Host } from './host.js'
import type { HostRegistry } from './host-registry.js'
import {
  MOVE_STEPS,
  POINT_OF_NO_RETURN,
  stepIndex,
  type MoveJob,
  type MoveJobPatch,
  type MoveStep,
} from './move-job.js'
import type { MoveJobStore } from './move-job-store.js'
import type { MovePdsClient } from './move-pds-client.js'
import type { MovePlc } from './move-plc.js'
import { inventoryDifferences, repoInventory } from './repo-inventory.js'
import { UpstreamCallError } from './upstream-call.js'

/** Access tokens the mover presents to a PDS for the account (the Entryway signs them). */
export interface MoveTokens {
  access(did: string, pdsDid: string): Promise<string>
}

/** Where a test stops the mover, as a crash would: before a step, or after its effects but before they are recorded. */
export type MoveCrashPoint = { step: MoveStep; phase: 'start' | 'done' }

export interface AccountMoverOptions {
  hosts: HostRegistry
  accounts: AccountDirectory
  jobs: MoveJobStore
  pds: MovePdsClient
  plc: MovePlc
  rotationKey: Keypair
  tokens: MoveTokens
  log: FastifyBaseLogger
  /** How long a claim holds a job; renewed at every step. */
  leaseMs: number
  /** Wait between marking the account frozen and deactivating the source: every instance's gate sees the freeze first. */
  freezeSettleMs: number
  /** Failed runs of a step before the move is rolled back (before the point of no return only). */
  maxAttempts: number
  /** Wait before a failed step is tried again. */
  retryDelayMs: number
  /** Called at each crash point; a test throws from it to stop the run where a crash would. */
  crashHook?: (job: MoveJob, point: MoveCrashPoint) => void | Promise<void>
  /** The account's routing row flipped: refresh caches (the DID document) in this instance. */
  onSwitched?: (did: string) => void | Promise<void>
}

/** A step's failure that no retry can fix: the move is rolled back (before the point of no return). */
export class MoveRefusedError extends Error {
  override name = 'MoveRefusedError'
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message)
  }
}

/** The lease was taken by someone else: stop at once without touching anything. */
class LeaseLostError extends Error {
  override name = 'LeaseLostError'
}

interface Ctx {
  job: MoveJob
  owner: string
  source: Host
  target: Host
}

/**
 * Runs one claimed move job from its recorded step to the end (docs/account-moves.md). Every step
 * is idempotent: after a crash the job is claimed again and its current step re-run.
 */
export class AccountMover {
  constructor(private readonly o: AccountMoverOptions) {}

  /** Runs until the job finishes, fails for now (retried later) or is rolled back. */
  async run(job: MoveJob, owner: string): Promise<MoveJob> {
    const [source, target] = await Promise.all([
      this.o.hosts.get(job.sourceHostId),
      this.o.hosts.get(job.targetHostId),
    ])
    if (!source || !target) throw new Error(`move ${job.id}: host missing`)
    const c: Ctx = { job, owner, source, target }
    const log = this.o.log.child({ move: job.id, did: job.did })
    try {
      if (job.state === 'rolling_back') {
        await this.rollback(c)
        return c.job
      }
      while (c.job.step !== 'finished') {
        const step = c.job.step
        await this.crash(c, step, 'start')
        const started = performance.now()
        const patch = await this.runStep(c, step)
        await this.crash(c, step, 'done')
        const next = MOVE_STEPS[stepIndex(step) + 1]!
        const advance: MoveJobPatch = { ...patch, step: next, error: null }
        if (next === 'finished')
          Object.assign(advance, { state: 'done', frozenAt: null, finishedAt: this.iso() })
        if (step === 'activate') {
          if (!(await this.o.jobs.switchHost(job.id, owner, advance, this.o.leaseMs)))
            throw new LeaseLostError()
          Object.assign(c.job, advance)
          await this.o.onSwitched?.(job.did)
        } else {
          await this.save(c, advance)
        }
        log.info({ step, ms: Math.round(performance.now() - started) }, 'move step done')
      }
      await this.o.jobs.release(job.id, owner)
      return c.job
    } catch (err) {
      if (err instanceof LeaseLostError) {
        log.warn('move lease lost; another instance has the job')
        return c.job
      }
      if (err instanceof SimulatedCrash) throw err
      return this.failed(c, err, log)
    }
  }

  private async failed(c: Ctx, err: unknown, log: FastifyBaseLogger): Promise<MoveJob> {
    const message = err instanceof Error ? err.message : String(err)
    const forwardOnly = stepIndex(c.job.step) >= stepIndex(POINT_OF_NO_RETURN)
    const refused =
      err instanceof MoveRefusedError ||
      (err instanceof UpstreamCallError && err.kind === 'rejected' && (err.status ?? 0) < 500)
    const giveUp = refused || c.job.attempts >= this.o.maxAttempts
    if (giveUp && !c.job.frozenAt && !c.job.sourceSigningKey) {
      // refused before anything changed (no such account, not on the source, taken down…)
      log.warn({ err }, 'move refused')
      await this.save(c, { state: 'failed', error: message, finishedAt: this.iso() })
      await this.o.jobs.release(c.job.id, c.owner)
      return c.job
    }
    if (!forwardOnly && giveUp) {
      log.warn({ err, step: c.job.step }, 'move failed; rolling back')
      await this.save(c, { state: 'rolling_back', error: `${c.job.step}: ${message}` })
      try {
        await this.rollback(c)
      } catch (rbErr) {
        log.error({ err: rbErr }, 'move rollback failed; retried later')
        await this.o.jobs.update(
          c.job.id,
          c.owner,
          { error: `rollback: ${rbErr instanceof Error ? rbErr.message : String(rbErr)}` },
          this.o.retryDelayMs,
        )
      }
      return c.job
    }
    log.warn({ err, step: c.job.step, attempts: c.job.attempts }, 'move step failed; retried later')
    // the lease, set to expire after the retry delay, is the back-off: any instance may retry then
    await this.o.jobs.update(
      c.job.id,
      c.owner,
      { error: `${c.job.step}: ${message}` },
      this.o.retryDelayMs,
    )
    return c.job
  }

  private async runStep(c: Ctx, step: MoveStep): Promise<MoveJobPatch> {
    switch (step) {
      case 'freeze':
        return this.freeze(c)
      case 'create':
        return this.create(c)
      case 'import':
        return this.importRepo(c)
      case 'blobs':
        return this.copyBlobs(c)
      case 'prefs':
        return this.copyPreferences(c)
      case 'verify':
        return this.verify(c)
      case 'activate':
        return this.activate(c)
      case 'cleanup':
        await this.o.pds.deleteAccount(c.source, c.job.did)
        return {}
      case 'finished':
        return {}
    }
  }

  /** Records the source's key, freezes the account's requests, then deactivates the source. */
  private async freeze(c: Ctx): Promise<MoveJobPatch> {
    const { job, source } = c
    const account = await this.o.accounts.getByDid(job.did)
    if (!account || account.status === 'deleted')
      throw new MoveRefusedError('AccountNotFound', 'no such account')
    if (account.hostId !== source.id)
      throw new MoveRefusedError('AccountNotOnSource', 'the account is not on the source host')
    if (job.targetHostId === source.id)
      throw new MoveRefusedError('SameHost', 'source and target are the same host')
    const status = await this.o.pds.subjectStatus(source, job.did)
    if (!status)
      throw new MoveRefusedError('AccountNotFound', 'the source does not hold the account')
    if (status.takendown)
      throw new MoveRefusedError('AccountTakenDown', 'a taken-down account is not moved')
    // the user's own deactivation is theirs to undo: a move would activate the account on the target
    if (status.deactivated && !job.frozenAt)
      throw new MoveRefusedError('AccountDeactivated', 'a deactivated account is not moved')
    let sourceSigningKey = job.sourceSigningKey
    if (!sourceSigningKey) {
      const doc = await this.o.plc.state(job.did)
      if (doc.endpoint !== source.url || !doc.signingKey)
        throw new MoveRefusedError(
          'IncompatibleDidDoc',
          'the DID document does not name the source host',
        )
      sourceSigningKey = doc.signingKey
      // the key is on record before anything changes: a rollback can always point the DID back
      await this.save(c, { sourceSigningKey })
    }
    if (!job.frozenAt) {
      await this.save(c, { frozenAt: this.iso() })
      await sleep(this.o.freezeSettleMs)
    }
    await this.o.pds.setDeactivated(source, job.did, true)
    return {}
  }

  /** Creates the account on the target (the PDS submits the PLC op: the DID flips here), deactivated. */
  private async create(c: Ctx): Promise<MoveJobPatch> {
    const { job, target } = c
    if (!(await this.o.pds.subjectStatus(target, job.did))) {
      const key = await this.o.pds.reserveSigningKey(target, job.did)
      const doc = await this.o.plc.state(job.did)
      if (!doc.handle)
        throw new MoveRefusedError('IncompatibleDidDoc', 'the DID document has no handle')
      const op = await this.o.plc.pointAtOp(job.did, this.o.rotationKey, target.url, key)
      await this.o.pds.createAccount(target, { did: job.did, handle: doc.handle, plcOp: op })
    }
    // created active (entryway mode): it takes no writes until verified
    await this.o.pds.setDeactivated(target, job.did, true)
    return {}
  }

  private async importRepo(c: Ctx): Promise<MoveJobPatch> {
    const car = await this.o.pds.getRepo(c.source, c.job.did)
    const token = await this.o.tokens.access(c.job.did, c.target.did)
    await this.o.pds.importRepo(c.target, token, car)
    return {}
  }

  /** Every blob the source lists and the target lacks, then whatever records still miss. */
  private async copyBlobs(c: Ctx): Promise<MoveJobPatch> {
    const { job, source, target } = c
    const token = await this.o.tokens.access(job.did, target.did)
    const [onSource, onTarget, missing] = await Promise.all([
      this.o.pds.listBlobs(source, job.did),
      this.o.pds.listBlobs(target, job.did),
      this.o.pds.listMissingBlobs(target, token),
    ])
    const have = new Set(onTarget)
    const todo = [...new Set([...onSource.filter((cid) => !have.has(cid)), ...missing])]
    for (const cid of todo) {
      const blob = await this.o.pds.getBlob(source, job.did, cid)
      const stored = await this.o.pds.uploadBlob(target, token, blob)
      // the CID is the hash of the bytes: equal CIDs mean byte-identical blobs
      if (stored !== cid)
        throw new MoveRefusedError('BlobMismatch', `blob ${cid} was stored as ${stored}`)
    }
    return {}
  }

  private async copyPreferences(c: Ctx): Promise<MoveJobPatch> {
    const { job, source, target } = c
    const prefs = await this.o.pds.getPreferences(
      source,
      await this.o.tokens.access(job.did, source.did),
    )
    await this.o.pds.putPreferences(target, await this.o.tokens.access(job.did, target.did), prefs)
    return {}
  }

  /** Same records with the same CIDs, every blob there, no record missing a blob. */
  private async verify(c: Ctx): Promise<MoveJobPatch> {
    const { job, source, target } = c
    const [a, b] = await Promise.all([
      this.o.pds.getRepo(source, job.did),
      this.o.pds.getRepo(target, job.did),
    ])
    const [src, dst] = await Promise.all([repoInventory(a), repoInventory(b)])
    const diff = inventoryDifferences(src, dst)
    if (diff.length)
      throw new MoveRefusedError(
        'RepoMismatch',
        `${diff.length} records differ (first: ${diff[0]})`,
      )
    if (dst.rev < src.rev)
      throw new MoveRefusedError('RepoMismatch', `target rev ${dst.rev} is older than ${src.rev}`)
    const token = await this.o.tokens.access(job.did, target.did)
    const [onSource, onTarget, missing] = await Promise.all([
      this.o.pds.listBlobs(source, job.did),
      this.o.pds.listBlobs(target, job.did),
      this.o.pds.listMissingBlobs(target, token),
    ])
    const have = new Set(onTarget)
    const absent = onSource.filter((cid) => !have.has(cid))
    if (absent.length || missing.length)
      throw new MoveRefusedError(
        'BlobMismatch',
        `${absent.length + missing.length} blobs missing on the target`,
      )
    this.o.log.info(
      { move: job.id, records: src.records.size, blobs: onSource.length, rev: dst.rev },
      'move verified',
    )
    return {}
  }

  /** The DID names the target (createAccount sent that op); the target goes live. */
  private async activate(c: Ctx): Promise<MoveJobPatch> {
    const { job, target } = c
    const doc = await this.o.plc.state(job.did)
    if (doc.endpoint !== target.url)
      throw new Error(`the DID document names ${doc.endpoint}, not the target`)
    await this.o.pds.setDeactivated(target, job.did, false)
    return {}
  }

  /** Back to the source: target copy deleted, DID pointed back, source active, freeze over. */
  private async rollback(c: Ctx): Promise<void> {
    const { job, source, target } = c
    if (target.id !== source.id && (await this.o.pds.subjectStatus(target, job.did)))
      await this.o.pds.deleteAccount(target, job.did)
    if (job.sourceSigningKey) {
      const doc = await this.o.plc.state(job.did)
      if (doc.endpoint !== source.url || doc.signingKey !== job.sourceSigningKey) {
        await this.o.plc.send(
          job.did,
          await this.o.plc.pointAtOp(job.did, this.o.rotationKey, source.url, job.sourceSigningKey),
        )
      }
    }
    if (await this.o.pds.subjectStatus(source, job.did))
      await this.o.pds.setDeactivated(source, job.did, false)
    await this.save(c, { state: 'rolled_back', frozenAt: null, finishedAt: this.iso() })
    await this.o.onSwitched?.(job.did)
    await this.o.jobs.release(job.id, c.owner)
  }

  private async save(c: Ctx, patch: MoveJobPatch): Promise<void> {
    if (!(await this.o.jobs.update(c.job.id, c.owner, patch, this.o.leaseMs)))
      throw new LeaseLostError()
    Object.assign(c.job, patch)
  }

  private async crash(c: Ctx, step: MoveStep, phase: 'start' | 'done'): Promise<void> {
    if (this.o.crashHook) await this.o.crashHook(c.job, { step, phase })
  }

  private iso(): string {
    return new Date().toISOString()
  }
}

/** Thrown by a test's crash hook: the run stops as a killed process would (lease held, nothing recorded). */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash'
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
