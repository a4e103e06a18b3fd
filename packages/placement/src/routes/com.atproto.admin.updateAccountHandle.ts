import type { ComAtprotoAdminUpdateAccountHandle } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { PlacementRoute } from '../route-deps.js'

export const ADMIN_UPDATE_ACCOUNT_HANDLE = 'com.atproto.admin.updateAccountHandle'
type Input = ComAtprotoAdminUpdateAccountHandle.InputSchema

/**
 * Basic admin only (as on the reference PDS): the same PLC → PDS → Entryway update as the user's
 * own `identity.updateHandle`, with the admin's latitude (reserved names, taken-down accounts).
 */
export const adminUpdateAccountHandleRoute: PlacementRoute = {
  nsid: ADMIN_UPDATE_ACCOUNT_HANDLE,
  register(app, deps) {
    app.post(xrpcPath(ADMIN_UPDATE_ACCOUNT_HANDLE), async (req, reply) => {
      await deps.o.auth.admin(req)
      const body = req.body ?? {}
      if (typeof body !== 'object' || Array.isArray(body))
        throw new InvalidRequestError('A JSON body is required')
      const { did, handle } = readInput<Input>(ADMIN_UPDATE_ACCOUNT_HANDLE, req)
      await deps.handles.update(did, handle, req.log, { byAdmin: true })
      req.log.info({ did }, 'handle changed by admin')
      return reply.status(200).send()
    })
  },
}
