import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { sendEmailToken } from '../email-flow.js'
import { normalizeIdentifier } from '../identifier.js'

const NSID = 'com.atproto.server.requestPasswordReset'

/**
 * The same empty 200, at the same speed, whether or not the address has an account and whether or
 * not the mail goes out: the lookup and the sending happen after the answer (failures are logged),
 * so neither status nor timing tells a known address from an unknown one. Without a mail server
 * every request is refused alike (501), known address or not.
 */
export function registerRequestPasswordReset(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const { email } = readInput<{ email: string }>(NSID, req)
    deps.tokenEmails.assertEnabled('password reset by email')
    // normalised as the lookup below (findByIdentifier) does
    const normalized = normalizeIdentifier(email)
    // Per address, known or not (the per-IP limits are the gateway's route limits).
    await deps.limits.email('reset_password_address', normalized)
    // Answer first, then look up: an in-process database (PGlite) runs part of a query
    // synchronously, which would otherwise delay a known address's answer.
    await reply.status(200).send()
    setImmediate(() => void sendResetCode(deps, req, normalized))
    return reply
  })
}

async function sendResetCode(
  deps: SessionDeps,
  req: Parameters<typeof sendEmailToken>[1],
  normalized: string,
): Promise<void> {
  try {
    const account = normalized.includes('@')
      ? await deps.accounts.findByIdentifier(normalized)
      : null
    if (account && account.email === normalized)
      await sendEmailToken(deps, req, account, 'reset_password', 'resetPassword')
  } catch (err) {
    // sendEmailToken logged a mail failure already; anything else (limits, database) is told here
    req.log.warn({ err }, 'password reset code not sent')
  }
}
