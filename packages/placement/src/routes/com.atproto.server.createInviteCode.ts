import type { ComAtprotoServerCreateInviteCode } from '@atproto/api'
import { readInput, xrpcPath } from '@entryway/xrpc'
import { generateInviteCode } from '../invite-code.js'
import type { PlacementRoute } from '../route-deps.js'

export const CREATE_INVITE_CODE = 'com.atproto.server.createInviteCode'
type Input = ComAtprotoServerCreateInviteCode.InputSchema
type Output = ComAtprotoServerCreateInviteCode.OutputSchema

/** Admin: one code with `useCount` uses, for an account or for `admin`. */
export const createInviteCodeRoute: PlacementRoute = {
  nsid: CREATE_INVITE_CODE,
  register(app, deps) {
    app.post(xrpcPath(CREATE_INVITE_CODE), async (req): Promise<Output> => {
      await deps.o.auth.admin(req)
      const { useCount, forAccount } = readInput<Input>(CREATE_INVITE_CODE, req)
      const code = generateInviteCode(deps.o.inviteCodePrefix)
      await deps.o.invites.createCodes([
        { code, availableUses: useCount, forAccount: forAccount ?? 'admin', createdBy: 'admin' },
      ])
      return { code }
    })
  },
}
