import type { ComAtprotoAdminDisableAccountInvites } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import { authModerator } from '../moderator-auth.js'
import type { PlacementRoute } from '../route-deps.js'

export const DISABLE_ACCOUNT_INVITES = 'com.atproto.admin.disableAccountInvites'
export const ENABLE_ACCOUNT_INVITES = 'com.atproto.admin.enableAccountInvites'
/** The two methods take the same input. */
type Input = ComAtprotoAdminDisableAccountInvites.InputSchema

/**
 * Admin: stop (or let again) an account earning invite codes. As on a PDS, codes it already has
 * keep working and admins can still give it codes; the optional `note` is not stored.
 */
export function accountInvitesSwitch(nsid: string, disabled: boolean): PlacementRoute {
  return {
    nsid,
    register(app, deps) {
      app.post(xrpcPath(nsid), async (req, reply) => {
        await authModerator(deps.o.auth, req, nsid)
        const { account } = readInput<Input>(nsid, req)
        if (!(await deps.o.accounts.setInvitesDisabled(account, disabled))) {
          throw new InvalidRequestError(`Account does not exist: ${account}`, 'AccountNotFound')
        }
        req.log.info({ did: account, invitesDisabled: disabled }, 'account invites switched')
        return reply.status(200).send()
      })
    },
  }
}

export const disableAccountInvitesRoute = accountInvitesSwitch(DISABLE_ACCOUNT_INVITES, true)
