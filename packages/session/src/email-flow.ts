import type { FastifyRequest } from 'fastify'
import { InvalidRequestError, UpstreamFailureError } from '@entryway/xrpc'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'
import type { EmailTokenPurpose, EmailTokenRecord } from './email-token-store.js'
import { generateEmailToken, normalizeEmailToken } from './email-token.js'
import { renderTokenEmail, type EmailKind } from './email-templates.js'

/**
 * Creates (replacing any earlier one) and emails a code for `purpose`. A code is for the address
 * it was sent to: a change of address deletes every outstanding code (updateEmail), and a change
 * that lands while this code is being stored is caught by reading the account again.
 */
export async function sendEmailToken(
  deps: SessionDeps,
  req: FastifyRequest,
  account: SessionAccount,
  purpose: EmailTokenPurpose,
  kind: EmailKind,
): Promise<void> {
  const to = account.email
  if (!to) throw new InvalidRequestError('Account does not have an email address')
  await deps.limits.email(purpose, account.did)
  const token = generateEmailToken()
  await deps.emailTokens.put({
    did: account.did,
    purpose,
    token,
    requestedAt: new Date(deps.now()).toISOString(),
  })
  if ((await deps.accounts.getByDid(account.did))?.email !== to) {
    await deps.emailTokens.delete(account.did, purpose)
    throw new InvalidRequestError('The email address changed, request a new code')
  }
  const msg = renderTokenEmail(kind, {
    to,
    serviceName: deps.serviceName,
    handle: account.handle,
    token,
    ttlMinutes: Math.round(deps.emailTokenTtlMs / 60_000),
  })
  try {
    await deps.mailer.send(msg)
  } catch (err) {
    req.log.error({ err, purpose }, 'email could not be sent')
    throw new UpstreamFailureError('Could not send the email, try again later', { cause: err })
  }
}

function assertFresh(deps: SessionDeps, rec: EmailTokenRecord | null): EmailTokenRecord {
  if (!rec) throw new InvalidRequestError('Token is invalid', 'InvalidToken')
  if (Date.parse(rec.requestedAt) + deps.emailTokenTtlMs <= deps.now())
    throw new InvalidRequestError('Token is expired', 'ExpiredToken')
  return rec
}

/** Checks a code without using it up (for flows that may still fail after the check). */
export async function checkEmailToken(
  deps: SessionDeps,
  did: string,
  purpose: EmailTokenPurpose,
  token: string,
): Promise<void> {
  assertFresh(deps, await deps.emailTokens.find(did, purpose, normalizeEmailToken(token)))
}

/** Uses a code up: of two concurrent uses, one wins. */
export async function useEmailToken(
  deps: SessionDeps,
  did: string,
  purpose: EmailTokenPurpose,
  token: string,
): Promise<void> {
  assertFresh(deps, await deps.emailTokens.consume(did, purpose, normalizeEmailToken(token)))
}

/** Checks a code known only by value (password reset) without using it up; returns its account's DID. */
export async function checkEmailTokenFindDid(
  deps: SessionDeps,
  purpose: EmailTokenPurpose,
  token: string,
): Promise<string> {
  return assertFresh(deps, await deps.emailTokens.findByToken(purpose, normalizeEmailToken(token)))
    .did
}

/** Uses up a code known only by value (password reset) and returns its account's DID. */
export async function useEmailTokenFindDid(
  deps: SessionDeps,
  purpose: EmailTokenPurpose,
  token: string,
): Promise<string> {
  return assertFresh(
    deps,
    await deps.emailTokens.consumeByToken(purpose, normalizeEmailToken(token)),
  ).did
}

/**
 * Changes an account's address (unconfirmed, 2FA off) and, as the PDS does, deletes every
 * outstanding email code: a code only ever works for the address it was sent to.
 */
export async function changeEmail(
  deps: SessionDeps,
  did: string,
  email: string,
): Promise<'ok' | 'taken'> {
  const res = await deps.accounts.updateEmail(did, email)
  if (res === 'ok') await deps.emailTokens.deleteAll(did)
  return res
}
