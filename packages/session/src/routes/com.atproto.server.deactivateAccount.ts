import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { readInput } from '@entryway/xrpc'
import { requireAccount } from '../account-lookup.js'
import { AuthScope } from '../scopes.js'

const NSID = 'com.atproto.server.deactivateAccount'
const SCOPES = [AuthScope.Access, AuthScope.Takendown]

export function registerDeactivateAccount(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    // @atproto/pds 0.5.35 forwards this with service auth (HEAD's comment says passthrough): take both.
    const auth = await deps.authVerifier.accessOrService(req, NSID, SCOPES)
    // `deleteAfter` is accepted and validated; scheduled deletion is not offered (as in the PDS).
    readInput<{ deleteAfter?: string }>(NSID, req)
    const account = await requireAccount(deps, auth.did)
    await deps.pdsAdmin.setDeactivated(account.host, account.did, true)
    await deps.accounts.setDeactivated(account.did, true, new Date(deps.now()).toISOString())
    req.log.info({ did: account.did }, 'account deactivated')
    return reply.status(200).send()
  })
}
