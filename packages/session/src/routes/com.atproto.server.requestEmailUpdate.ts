import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { sendEmailToken } from '../email-flow.js'
import { ACCESS_FULL } from '../scopes.js'

const NSID = 'com.atproto.server.requestEmailUpdate'

export function registerRequestEmailUpdate(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req) => {
    const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
    const account = await requireActiveAccount(deps, auth.did)
    if (!account.email) throw new InvalidRequestError('account does not have an email address')
    // A code is needed only to move away from a confirmed address (the PDS's rule).
    const tokenRequired = !!account.emailConfirmedAt
    if (tokenRequired) await sendEmailToken(deps, req, account, 'update_email', 'updateEmail')
    return { tokenRequired }
  })
}
