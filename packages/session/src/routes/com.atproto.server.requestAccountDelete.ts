import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { sendEmailToken } from '../email-flow.js'
import { ACCESS_FULL } from '../scopes.js'

const NSID = 'com.atproto.server.requestAccountDelete'

export const requestAccountDeleteRoute: SessionRoute = {
  nsid: NSID,
  rateLimits: [{ name: 'emailRequestPerIp', per: 'ip' }],
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
      const account = await requireActiveAccount(deps, auth.did)
      await sendEmailToken(deps, req, account, 'delete_account', 'deleteAccount')
      return reply.status(200).send()
    })
  },
}
