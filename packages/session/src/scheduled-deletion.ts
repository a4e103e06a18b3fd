import type { FastifyBaseLogger } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import { deleteAccountEverywhere } from './account-teardown.js'
import type { SessionDeps } from './deps.js'
import { ACCOUNT_DELETE_JOB } from './outbox/jobs.js'
import type { OutboxHandler } from './outbox/outbox-worker.js'

/**
 * The furthest `deleteAfter` a deactivation may ask for. The lexicon sets no bound and the PDS
 * stores any datetime; a year keeps a forgotten schedule from outliving anyone's memory of it.
 */
export const MAX_DELETE_AFTER_MS = 365 * 24 * 60 * 60 * 1000

type Log = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>

/**
 * `deleteAfter` as a time, or a 400: the lexicon already checked the datetime's shape, this checks
 * it is in the future and within `MAX_DELETE_AFTER_MS`.
 */
export function parseDeleteAfter(value: string, now: number): number {
  const at = Date.parse(value)
  if (Number.isNaN(at)) throw new InvalidRequestError('deleteAfter must be a datetime')
  if (at <= now) throw new InvalidRequestError('deleteAfter must be in the future')
  if (at - now > MAX_DELETE_AFTER_MS)
    throw new InvalidRequestError('deleteAfter must be within a year')
  return at
}

/**
 * Records the deletion of a deactivated account at `at`, replacing any earlier schedule: the last
 * deactivation's wish wins, as the PDS keeps only the last `deleteAfter`.
 */
export async function scheduleDeletion(deps: SessionDeps, did: string, at: number): Promise<void> {
  if (!deps.outbox) return
  await deps.outbox.cancel(ACCOUNT_DELETE_JOB, did)
  await deps.outbox.enqueue({
    kind: ACCOUNT_DELETE_JOB,
    key: did,
    payload: { did },
    runAt: new Date(at),
  })
}

/** Drops a pending scheduled deletion; true when there was one. */
export function cancelScheduledDeletion(deps: SessionDeps, did: string): Promise<boolean> {
  return deps.outbox ? deps.outbox.cancel(ACCOUNT_DELETE_JOB, did) : Promise.resolve(false)
}

/**
 * Runs a scheduled deletion when it is due: the same deletion as the user's own (PDS repo, PLC
 * tombstone, Entryway rows), provided the account is still deactivated. A failure (PDS down) is
 * thrown, so the outbox retries it with backoff.
 */
export function scheduledDeletionHandler(deps: SessionDeps, log: Log): OutboxHandler {
  return async (payload) => {
    const did = (payload as { did?: unknown } | null)?.did
    if (typeof did !== 'string' || !did.startsWith('did:'))
      throw new Error(`${ACCOUNT_DELETE_JOB}: payload has no DID`)
    const account = await deps.accounts.getByDid(did)
    if (!account) {
      log.info({ did }, 'scheduled deletion skipped: account already gone')
      return
    }
    if (account.status !== 'deactivated' && account.deactivatedAt === null) {
      // activateAccount cancels the job; this covers a reactivation that raced the claim
      log.info({ did }, 'scheduled deletion skipped: account reactivated')
      return
    }
    await deleteAccountEverywhere(deps, log, account)
    log.info(
      { did, event: 'account.deleted', reason: 'deleteAfter' },
      'account deleted on schedule',
    )
  }
}
