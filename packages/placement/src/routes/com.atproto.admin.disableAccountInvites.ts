import type { FastifyInstance } from 'fastify'
import { assertValidXrpcInput, InvalidRequestError } from '@entryway/xrpc'
import { authModerator } from '../moderator-auth.js'
import type { PlacementRouteDeps } from '../route-deps.js'

export const DISABLE_ACCOUNT_INVITES = 'com.atproto.admin.disableAccountInvites'
export const ENABLE_ACCOUNT_INVITES = 'com.atproto.admin.enableAccountInvites'

/**
 * Admin: stop (or let again) an account earning invite codes. As on a PDS, codes it already has
 * keep working and admins can still give it codes; the optional `note` is not stored.
 */
export function registerAccountInvitesSwitch(
  app: FastifyInstance,
  deps: PlacementRouteDeps,
  nsid: string,
  disabled: boolean,
): void {
  app.post(`/xrpc/${nsid}`, async (req, reply) => {
    await authModerator(deps.o.auth, req, nsid)
    assertValidXrpcInput(nsid, req.body ?? {})
    const { account } = req.body as { account: string }
    if (!(await deps.o.accounts.setInvitesDisabled(account, disabled))) {
      throw new InvalidRequestError(`Account does not exist: ${account}`, 'AccountNotFound')
    }
    req.log.info({ did: account, invitesDisabled: disabled }, 'account invites switched')
    return reply.status(200).send()
  })
}

export function registerDisableAccountInvites(
  app: FastifyInstance,
  deps: PlacementRouteDeps,
): void {
  registerAccountInvitesSwitch(app, deps, DISABLE_ACCOUNT_INVITES, true)
}
