import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { sendEmailToken } from '../email-flow.js'
import { ACCESS_FULL } from '../scopes.js'

const NSID = 'com.atproto.server.requestAccountDelete'

export function registerRequestAccountDelete(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
    const account = await requireActiveAccount(deps, auth.did)
    await sendEmailToken(deps, req, account, 'delete_account', 'deleteAccount')
    return reply.status(200).send()
  })
}
