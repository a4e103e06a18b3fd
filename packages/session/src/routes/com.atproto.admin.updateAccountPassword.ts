import type { ComAtprotoAdminUpdateAccountPassword } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireAccount } from '../account-lookup.js'
import { hashPassword, NEW_PASSWORD_MAX_LENGTH } from '../password.js'

const NSID = 'com.atproto.admin.updateAccountPassword'
type Input = ComAtprotoAdminUpdateAccountPassword.InputSchema

export const adminUpdateAccountPasswordRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      await deps.authVerifier.adminBasic(req)
      const { did, password } = readInput<Input>(NSID, req)
      if (password.length > NEW_PASSWORD_MAX_LENGTH)
        throw new InvalidRequestError(
          `Password too long (max ${NEW_PASSWORD_MAX_LENGTH} characters)`,
        )
      await requireAccount(deps, did)
      const passwordScrypt = await deps.gate.run(() => hashPassword(password))
      await deps.accounts.updatePassword(did, passwordScrypt)
      await deps.refreshTokens.revokeByDid(did)
      await deps.onRevokeAccountSessions(did)
      req.log.info({ did }, 'password changed by admin')
      return reply.status(200).send()
    })
  },
}
