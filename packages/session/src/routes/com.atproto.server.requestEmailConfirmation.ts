import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { sendEmailToken } from '../email-flow.js'

const NSID = 'com.atproto.server.requestEmailConfirmation'

export function registerRequestEmailConfirmation(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const auth = await deps.authVerifier.accessOrService(req, NSID)
    const account = await requireActiveAccount(deps, auth.did)
    await sendEmailToken(deps, req, account, 'confirm_email', 'confirmEmail')
    return reply.status(200).send()
  })
}
