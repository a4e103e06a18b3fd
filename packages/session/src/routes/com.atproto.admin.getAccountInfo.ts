import type { ComAtprotoAdminGetAccountInfo } from '@atproto/api'
import { assertValidXrpcParams, InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { adminAccountViews } from '../admin-account-view.js'
import { singleParams } from '../query-params.js'

const NSID = 'com.atproto.admin.getAccountInfo'
type Output = ComAtprotoAdminGetAccountInfo.OutputSchema

/** Moderator: one account, the Entryway's data merged with its PDS's (taken down and deactivated ones too). */
export const adminGetAccountInfoRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req): Promise<Output> => {
      await deps.authVerifier.moderator(req, NSID)
      const params = singleParams(req, ['did'])
      assertValidXrpcParams(NSID, params)
      const account = await deps.accounts.getByDid(params.did!)
      if (!account) throw new InvalidRequestError('Account not found', 'NotFound')
      const [view] = await adminAccountViews(deps, [account], req.log)
      return view!
    })
  },
}
