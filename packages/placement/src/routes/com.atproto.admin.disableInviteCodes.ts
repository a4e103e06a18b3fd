import type { FastifyInstance } from 'fastify'
import { assertValidXrpcInput, InvalidRequestError } from '@entryway/xrpc'
import { authModerator } from '../moderator-auth.js'
import type { PlacementRouteDeps } from '../route-deps.js'

export const DISABLE_INVITE_CODES = 'com.atproto.admin.disableInviteCodes'

export function registerDisableInviteCodes(app: FastifyInstance, deps: PlacementRouteDeps): void {
  app.post(`/xrpc/${DISABLE_INVITE_CODES}`, async (req, reply) => {
    await authModerator(deps.o.auth, req, DISABLE_INVITE_CODES)
    assertValidXrpcInput(DISABLE_INVITE_CODES, req.body ?? {})
    const { codes = [], accounts = [] } = (req.body ?? {}) as {
      codes?: string[]
      accounts?: string[]
    }
    // as the PDS: the admin's own pool cannot be switched off wholesale
    if (accounts.includes('admin'))
      throw new InvalidRequestError('cannot disable admin invite codes')
    await deps.o.invites.disableCodes({ codes, accounts })
    return reply.status(200).send()
  })
}
