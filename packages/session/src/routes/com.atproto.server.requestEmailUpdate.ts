import type { ComAtprotoServerRequestEmailUpdate } from '@atproto/api'
import { InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { sendEmailToken } from '../email-flow.js'
import { ACCESS_FULL } from '../scopes.js'

const NSID = 'com.atproto.server.requestEmailUpdate'
type Output = ComAtprotoServerRequestEmailUpdate.OutputSchema

export const requestEmailUpdateRoute: SessionRoute = {
  nsid: NSID,
  rateLimits: [{ name: 'emailRequestPerIp', per: 'ip' }],
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req): Promise<Output> => {
      const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
      const account = await requireActiveAccount(deps, auth.did)
      if (!account.email) throw new InvalidRequestError('account does not have an email address')
      // A code is needed only to move away from a confirmed address (the PDS's rule).
      const tokenRequired = !!account.emailConfirmedAt
      if (tokenRequired) await sendEmailToken(deps, req, account, 'update_email', 'updateEmail')
      return { tokenRequired }
    })
  },
}
