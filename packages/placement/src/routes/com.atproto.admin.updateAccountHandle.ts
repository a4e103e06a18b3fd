import type { FastifyInstance } from 'fastify'
import { assertValidXrpcInput, InvalidRequestError } from '@entryway/xrpc'
import type { PlacementRouteDeps } from '../route-deps.js'

export const ADMIN_UPDATE_ACCOUNT_HANDLE = 'com.atproto.admin.updateAccountHandle'

/**
 * Basic admin only (as on the reference PDS): the same PLC → PDS → Entryway update as the user's
 * own `identity.updateHandle`, with the admin's latitude (reserved names, taken-down accounts).
 */
export function registerAdminUpdateAccountHandle(
  app: FastifyInstance,
  deps: PlacementRouteDeps,
): void {
  app.post(`/xrpc/${ADMIN_UPDATE_ACCOUNT_HANDLE}`, async (req, reply) => {
    await deps.o.auth.admin(req)
    const body = req.body ?? {}
    if (typeof body !== 'object' || Array.isArray(body))
      throw new InvalidRequestError('A JSON body is required')
    assertValidXrpcInput(ADMIN_UPDATE_ACCOUNT_HANDLE, body)
    const { did, handle } = body as { did: string; handle: string }
    await deps.handles.update(did, handle, req.log, { byAdmin: true })
    req.log.info({ did }, 'handle changed by admin')
    return reply.status(200).send()
  })
}
