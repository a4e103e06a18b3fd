import type { ComAtprotoServerGetSession } from '@atproto/api'
import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireAccount } from '../account-lookup.js'
import { sessionInfo } from '../session-output.js'
import { ACCESS_STANDARD, AuthScope } from '../scopes.js'

const NSID = 'com.atproto.server.getSession'
type Output = ComAtprotoServerGetSession.OutputSchema
const SCOPES = [...ACCESS_STANDARD, AuthScope.SignupQueued]

export const getSessionRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req): Promise<Output> => {
      const auth = await deps.authVerifier.accessOrService(req, NSID, SCOPES)
      const account = await requireAccount(deps, auth.did)
      return sessionInfo(deps, req, account)
    })
  },
}
