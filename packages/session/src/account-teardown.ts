import type { FastifyBaseLogger } from 'fastify'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'
import { PLC_TOMBSTONE_JOB } from './outbox/jobs.js'

/**
 * Ends every session of an account at once: refresh tokens (app-password sessions included) here,
 * then whatever the app keeps elsewhere (OAuth) through `onRevokeAccountSessions`. Access tokens
 * already issued run out on their own; the PDS checks takedowns itself.
 */
export async function revokeAccountSessions(deps: SessionDeps, did: string): Promise<void> {
  await deps.refreshTokens.revokeByDid(did)
  await deps.onRevokeAccountSessions(did)
}

/**
 * Deletes an account everywhere, for the user (`server.deleteAccount`) and for an admin
 * (`admin.deleteAccount`) alike: the PDS removes the repo, the account is marked deleted with its
 * sessions, app passwords and codes gone, and the DID is tombstoned on PLC with the Entryway's
 * rotation key. A PDS refusal changes nothing here. Also run by the outbox for a deactivation's
 * `deleteAfter` (scheduled-deletion.ts).
 */
export async function deleteAccountEverywhere(
  deps: SessionDeps,
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>,
  account: SessionAccount,
): Promise<void> {
  const { did } = account
  await deps.pdsAdmin.deleteAccount(account.host, did)
  // the repo is gone: from here the tombstone must happen, so it is a durable job first of all
  // due on the plugin's clock, which is the worker's (a store's default is the wall clock)
  await deps.outbox?.enqueue({
    kind: PLC_TOMBSTONE_JOB,
    key: did,
    payload: { did },
    runAt: new Date(deps.now()),
  })
  const at = new Date(deps.now()).toISOString()
  await deps.accounts.markDeleted(did, at)
  await revokeAccountSessions(deps, did)
  await deps.appPasswords.deleteAll(did)
  await deps.emailTokens.deleteAll(did)
  if (deps.outbox) {
    // tried now; a failure is retried with backoff by the outbox worker until PLC takes it
    if (!(await deps.outbox.tryNow(PLC_TOMBSTONE_JOB, did)))
      log.warn({ did }, 'plc tombstone deferred to the outbox')
    return
  }
  try {
    await deps.plc.tombstone(did)
  } catch (err) {
    // The repo and the account are gone; a live DID document pointing at nothing is logged
    // for an operator rather than failing a deletion that cannot be retried.
    log.error({ err, did }, 'plc tombstone failed after account deletion')
  }
}
