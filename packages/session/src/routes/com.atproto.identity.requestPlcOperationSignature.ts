import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireAccount } from '../account-lookup.js'
import { sendEmailToken } from '../email-flow.js'
import { AuthScope } from '../scopes.js'

const NSID = 'com.atproto.identity.requestPlcOperationSignature'
const SCOPES = [AuthScope.Access, AuthScope.Takendown]

export const requestPlcOperationSignatureRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const auth = await deps.authVerifier.accessOrService(req, NSID, SCOPES)
      const account = await requireAccount(deps, auth.did)
      await sendEmailToken(deps, req, account, 'plc_operation', 'plcOperation')
      return reply.status(200).send()
    })
  },
}
