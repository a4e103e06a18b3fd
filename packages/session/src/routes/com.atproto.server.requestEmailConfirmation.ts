import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { sendEmailToken } from '../email-flow.js'

const NSID = 'com.atproto.server.requestEmailConfirmation'

export const requestEmailConfirmationRoute: SessionRoute = {
  nsid: NSID,
  rateLimits: [{ name: 'emailRequestPerIp', per: 'ip' }],
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const auth = await deps.authVerifier.accessOrService(req, NSID)
      const account = await requireActiveAccount(deps, auth.did)
      await sendEmailToken(deps, req, account, 'confirm_email', 'confirmEmail')
      return reply.status(200).send()
    })
  },
}
