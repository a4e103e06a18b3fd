import type { FastifyRequest } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'
import type { EmailTokenPurpose, EmailTokenRecord } from './email-token-store.js'
import { generateEmailToken, normalizeEmailToken } from './email-token.js'
import type { EmailKind } from './email-templates.js'

/**
 * Creates (replacing any earlier one) and emails a code for `purpose`. A code is for the address
 * it was sent to: a change of address deletes every outstanding code (updateEmail), and a change
 * that lands while this code is being stored is caught by reading the account again. Without a
 * mail server this refuses before anything is counted or stored; with the outbox, a mail the
 * server refused now is retried until it goes out or its code is no longer live.
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
  deps.tokenEmails.assertEnabled(WHAT[purpose])
  await deps.limits.email(purpose, account.did)
  const token = generateEmailToken()
  const requestedAt = new Date(deps.now()).toISOString()
  await deps.emailTokens.put({ did: account.did, purpose, token, requestedAt })
  if ((await deps.accounts.getByDid(account.did))?.email !== to) {
    await deps.emailTokens.delete(account.did, purpose)
    throw new InvalidRequestError('The email address changed, request a new code')
  }
  await deps.tokenEmails.send(
    { did: account.did, purpose, kind, to, handle: account.handle, token, requestedAt },
    deps.outbox,
    req.log,
  )
}

/** What a purpose's flow is called in `EmailNotConfiguredError`. */
const WHAT: Record<EmailTokenPurpose, string> = {
  confirm_email: 'email confirmation',
  update_email: 'changing a confirmed email address',
  reset_password: 'password reset by email',
  delete_account: 'account deletion by emailed code',
  plc_operation: 'identity changes confirmed by emailed code',
  two_factor: 'signing in to an account with email sign-in codes',
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
