import type { ComAtprotoServerGetAccountInviteCodes } from '@atproto/api'
import { xrpcPath } from '@entryway/xrpc'
import type { PlacementRoute } from '../route-deps.js'
import { inviteView } from './invite-view.js'

export const GET_ACCOUNT_INVITE_CODES = 'com.atproto.server.getAccountInviteCodes'
type Output = ComAtprotoServerGetAccountInviteCodes.OutputSchema

/**
 * The caller's codes (access token, or the PDS forwarding with service auth), disabled ones left
 * out as the PDS does. @NOTE codes are made by admins only: `createAvailable` does not mint
 * periodic user codes, so an account's `invitesDisabled` changes nothing here.
 */
export const getAccountInviteCodesRoute: PlacementRoute = {
  nsid: GET_ACCOUNT_INVITE_CODES,
  register(app, deps) {
    app.get(xrpcPath(GET_ACCOUNT_INVITE_CODES), async (req): Promise<Output> => {
      const auth = await deps.o.auth.user(req, GET_ACCOUNT_INVITE_CODES, { full: true })
      const q = req.query as { includeUsed?: string }
      const includeUsed = q.includeUsed !== 'false'
      const codes = await deps.o.invites.listForAccount(auth.did, { includeUsed })
      return { codes: codes.filter((c) => !c.disabled).map(inviteView) }
    })
  },
}
