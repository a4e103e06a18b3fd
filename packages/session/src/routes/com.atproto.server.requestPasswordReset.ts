import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { sendEmailToken } from '../email-flow.js'

const NSID = 'com.atproto.server.requestPasswordReset'

export function registerRequestPasswordReset(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const { email } = readInput<{ email: string }>(NSID, req)
    const normalized = email.trim().toLowerCase()
    // Per address, known or not (a per-IP limit would hit every user behind one PDS).
    await deps.limits.email(req, 'reset_password_address', normalized)
    const account = normalized.includes('@') ? await deps.accounts.findByIdentifier(normalized) : null
    // The same empty 200 whether or not the address has an account: no account discovery.
    if (account && account.email === normalized) await sendEmailToken(deps, req, account, 'reset_password', 'resetPassword')
    return reply.status(200).send()
  })
}
