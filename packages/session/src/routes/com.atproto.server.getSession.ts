import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { requireAccount } from '../account-lookup.js'
import { sessionInfo } from '../session-output.js'
import { ACCESS_STANDARD, AuthScope } from '../scopes.js'

const NSID = 'com.atproto.server.getSession'
const SCOPES = [...ACCESS_STANDARD, AuthScope.SignupQueued]

export function registerGetSession(app: FastifyInstance, deps: SessionDeps): void {
  app.get(`/xrpc/${NSID}`, async (req) => {
    const auth = await deps.authVerifier.accessOrService(req, NSID, SCOPES)
    const account = await requireAccount(deps, auth.did)
    return sessionInfo(deps, req, account)
  })
}
