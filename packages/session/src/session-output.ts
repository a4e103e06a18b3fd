import type { FastifyRequest } from 'fastify'
import { formatAccountStatus, type SessionAccount } from './account-store.js'
import type { DidDocument } from '@entryway/xrpc'
import type { SessionDeps } from './deps.js'

export interface SessionInfo {
  did: string
  handle: string
  didDoc?: DidDocument
  email?: string
  emailConfirmed: boolean
  emailAuthFactor: boolean
  active: boolean
  status?: 'takendown' | 'deactivated'
}

/**
 * The account part of createSession/refreshSession/getSession. The DID document is best effort:
 * a PLC hiccup must not fail a login (the PDS's didDocForSession does the same).
 */
export async function sessionInfo(
  deps: SessionDeps,
  req: FastifyRequest,
  account: SessionAccount,
): Promise<SessionInfo> {
  let didDoc: DidDocument | undefined
  if (deps.includeDidDoc) {
    didDoc =
      (await deps.didResolver.resolve(account.did).catch((err: unknown) => {
        req.log.warn({ err, did: account.did }, 'did document unavailable for session')
        return null
      })) ?? undefined
  }
  return {
    did: account.did,
    handle: account.handle,
    ...(didDoc ? { didDoc } : {}),
    ...(account.email ? { email: account.email } : {}),
    emailConfirmed: !!account.emailConfirmedAt,
    emailAuthFactor: account.emailAuthFactor,
    ...formatAccountStatus(account),
  }
}
