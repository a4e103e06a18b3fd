import type { ComAtprotoServerRequestPasswordReset } from '@atproto/api'
import { readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionDeps, SessionRoute } from '../deps.js'
import { sendEmailToken } from '../email-flow.js'
import { normalizeIdentifier } from '../identifier.js'

const NSID = 'com.atproto.server.requestPasswordReset'
type Input = ComAtprotoServerRequestPasswordReset.InputSchema

/**
 * The same empty 200, at the same speed, whether or not the address has an account and whether or
 * not the mail goes out: the lookup and the sending happen after the answer (failures are logged),
 * so neither status nor timing tells a known address from an unknown one. Without a mail server
 * every request is refused alike (501), known address or not.
 */
export const requestPasswordResetRoute: SessionRoute = {
  nsid: NSID,
  rateLimits: [
    { name: 'passwordResetRequestPerIp', per: 'ip' },
    { name: 'passwordResetRequestPerIpDaily', per: 'ip' },
  ],
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const { email } = readInput<Input>(NSID, req)
      deps.tokenEmails.assertEnabled('password reset by email')
      // normalised as the lookup below (findByIdentifier) does
      const normalized = normalizeIdentifier(email)
      // Per address, known or not (the per-IP limits are this route's own, below its NSID).
      await deps.limits.email('reset_password_address', normalized)
      // Answer first, then look up: an in-process database (PGlite) runs part of a query
      // synchronously, which would otherwise delay a known address's answer.
      await reply.status(200).send()
      setImmediate(() => void sendResetCode(deps, req, normalized))
      return reply
    })
  },
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
