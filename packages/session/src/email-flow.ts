import type { FastifyRequest } from 'fastify'
import { InvalidRequestError, UpstreamFailureError } from '@entryway/xrpc'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'
import type { EmailTokenPurpose, EmailTokenRecord } from './email-token-store.js'
import { generateEmailToken, normalizeEmailToken } from './email-token.js'
import { renderTokenEmail, type EmailKind } from './email-templates.js'

/** Creates (replacing any earlier one) and emails a code for `purpose`. */
export async function sendEmailToken(
  deps: SessionDeps,
  req: FastifyRequest,
  account: SessionAccount,
  purpose: EmailTokenPurpose,
  kind: EmailKind,
): Promise<void> {
  if (!account.email) throw new InvalidRequestError('Account does not have an email address')
  await deps.limits.email(req, purpose, account.did)
  const token = generateEmailToken()
  await deps.emailTokens.put({ did: account.did, purpose, token, requestedAt: new Date(deps.now()).toISOString() })
  const msg = renderTokenEmail(kind, {
    to: account.email,
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
  if (Date.parse(rec.requestedAt) + deps.emailTokenTtlMs <= deps.now()) throw new InvalidRequestError('Token is expired', 'ExpiredToken')
  return rec
}

/** Checks a code without using it up (for flows that may still fail after the check). */
export async function checkEmailToken(deps: SessionDeps, did: string, purpose: EmailTokenPurpose, token: string): Promise<void> {
  assertFresh(deps, await deps.emailTokens.find(did, purpose, normalizeEmailToken(token)))
}

/** Uses a code up: of two concurrent uses, one wins. */
export async function useEmailToken(deps: SessionDeps, did: string, purpose: EmailTokenPurpose, token: string): Promise<void> {
  assertFresh(deps, await deps.emailTokens.consume(did, purpose, normalizeEmailToken(token)))
}

/** Uses up a code known only by value (password reset) and returns its account's DID. */
export async function useEmailTokenFindDid(deps: SessionDeps, purpose: EmailTokenPurpose, token: string): Promise<string> {
  return assertFresh(deps, await deps.emailTokens.consumeByToken(purpose, normalizeEmailToken(token))).did
}
