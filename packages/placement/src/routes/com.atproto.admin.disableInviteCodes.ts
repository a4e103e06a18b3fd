import type { ComAtprotoAdminDisableInviteCodes } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import { authModerator } from '../moderator-auth.js'
import type { PlacementRoute } from '../route-deps.js'

export const DISABLE_INVITE_CODES = 'com.atproto.admin.disableInviteCodes'
type Input = ComAtprotoAdminDisableInviteCodes.InputSchema

export const disableInviteCodesRoute: PlacementRoute = {
  nsid: DISABLE_INVITE_CODES,
  register(app, deps) {
    app.post(xrpcPath(DISABLE_INVITE_CODES), async (req, reply) => {
      await authModerator(deps.o.auth, req, DISABLE_INVITE_CODES)
      const { codes = [], accounts = [] } = readInput<Input>(DISABLE_INVITE_CODES, req)
      // as the PDS: the admin's own pool cannot be switched off wholesale
      if (accounts.includes('admin'))
        throw new InvalidRequestError('cannot disable admin invite codes')
      await deps.o.invites.disableCodes({ codes, accounts })
      return reply.status(200).send()
    })
  },
}
