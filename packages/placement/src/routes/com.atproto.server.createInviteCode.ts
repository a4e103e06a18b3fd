import type { FastifyInstance } from 'fastify'
import { assertValidXrpcInput } from '@entryway/xrpc'
import { generateInviteCode } from '../invite-code.js'
import type { PlacementRouteDeps } from '../route-deps.js'

export const CREATE_INVITE_CODE = 'com.atproto.server.createInviteCode'

/** Admin: one code with `useCount` uses, for an account or for `admin`. */
export function registerCreateInviteCode(app: FastifyInstance, deps: PlacementRouteDeps): void {
  app.post(`/xrpc/${CREATE_INVITE_CODE}`, async (req) => {
    await deps.o.auth.admin(req)
    assertValidXrpcInput(CREATE_INVITE_CODE, req.body)
    const { useCount, forAccount } = req.body as { useCount: number; forAccount?: string }
    const code = generateInviteCode(deps.o.inviteCodePrefix)
    await deps.o.invites.createCodes([
      { code, availableUses: useCount, forAccount: forAccount ?? 'admin', createdBy: 'admin' },
    ])
    return { code }
  })
}
