import type { ComAtprotoAdminGetInviteCodes } from '@atproto/api'
import { assertValidXrpcParams, InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import { authModerator } from '../moderator-auth.js'
import type { PlacementRoute } from '../route-deps.js'
import { inviteView } from './invite-view.js'

export const GET_INVITE_CODES = 'com.atproto.admin.getInviteCodes'
type Output = ComAtprotoAdminGetInviteCodes.OutputSchema

export const getInviteCodesRoute: PlacementRoute = {
  nsid: GET_INVITE_CODES,
  register(app, deps) {
    app.get(xrpcPath(GET_INVITE_CODES), async (req): Promise<Output> => {
      await authModerator(deps.o.auth, req, GET_INVITE_CODES)
      const q = req.query as { sort?: string; limit?: string; cursor?: string }
      const limit = q.limit === undefined ? 100 : Number(q.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw new InvalidRequestError('limit must be an integer from 1 to 500')
      const sort = q.sort ?? 'recent'
      assertValidXrpcParams(GET_INVITE_CODES, {
        sort,
        limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      })
      const page = await deps.o.invites.listCodes({
        sort: sort === 'usage' ? 'usage' : 'recent',
        limit,
        cursor: q.cursor,
      })
      return { ...(page.cursor ? { cursor: page.cursor } : {}), codes: page.codes.map(inviteView) }
    })
  },
}
