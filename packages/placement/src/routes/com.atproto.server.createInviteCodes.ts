import type { ComAtprotoServerCreateInviteCodes } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import { generateInviteCode } from '../invite-code.js'
import type { NewInviteCode } from '../invite-store.js'
import type { PlacementRoute } from '../route-deps.js'

export const CREATE_INVITE_CODES = 'com.atproto.server.createInviteCodes'
type Input = ComAtprotoServerCreateInviteCodes.InputSchema
type Output = ComAtprotoServerCreateInviteCodes.OutputSchema
export const MAX_CODES_PER_CALL = 1000

/** Admin: `codeCount` codes for each of `forAccounts` (or for `admin`). */
export const createInviteCodesRoute: PlacementRoute = {
  nsid: CREATE_INVITE_CODES,
  register(app, deps) {
    app.post(xrpcPath(CREATE_INVITE_CODES), async (req): Promise<Output> => {
      await deps.o.auth.admin(req)
      const { codeCount, useCount, forAccounts } = readInput<Input>(CREATE_INVITE_CODES, req)
      const accounts = forAccounts?.length ? forAccounts : ['admin']
      if (codeCount < 1 || useCount < 1 || codeCount * accounts.length > MAX_CODES_PER_CALL) {
        throw new InvalidRequestError(
          `codeCount and useCount must be positive, at most ${MAX_CODES_PER_CALL} codes per call`,
        )
      }
      const out = accounts.map((account) => ({
        account,
        codes: Array.from({ length: codeCount }, () => generateInviteCode(deps.o.inviteCodePrefix)),
      }))
      const rows: NewInviteCode[] = out.flatMap((a) =>
        a.codes.map((code) => ({
          code,
          availableUses: useCount,
          forAccount: a.account,
          createdBy: 'admin',
        })),
      )
      await deps.o.invites.createCodes(rows)
      return { codes: out }
    })
  },
}
