import type { ComAtprotoServerResetPassword } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { checkEmailTokenFindDid, useEmailTokenFindDid } from '../email-flow.js'
import { hashPassword, NEW_PASSWORD_MAX_LENGTH } from '../password.js'

const NSID = 'com.atproto.server.resetPassword'
type Input = ComAtprotoServerResetPassword.InputSchema

export const resetPasswordRoute: SessionRoute = {
  nsid: NSID,
  rateLimits: [{ name: 'passwordResetPerIp', per: 'ip' }],
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const { token, password } = readInput<Input>(NSID, req)
      if (password.length > NEW_PASSWORD_MAX_LENGTH)
        throw new InvalidRequestError(
          `Password too long (max ${NEW_PASSWORD_MAX_LENGTH} characters)`,
        )
      if (password.length === 0) throw new InvalidRequestError('Password is required')
      // The code first: a junk code costs one lookup, never a place in the scrypt gate sign-ins share.
      await checkEmailTokenFindDid(deps, 'reset_password', token)
      // Hash before using the code up, so a failure here leaves the code usable.
      const passwordScrypt = await deps.gate.run(() => hashPassword(password))
      const did = await useEmailTokenFindDid(deps, 'reset_password', token)
      await deps.accounts.updatePassword(did, passwordScrypt)
      // A reset means the old password may be known to someone else: end every session.
      await deps.refreshTokens.revokeByDid(did)
      await deps.onRevokeAccountSessions(did)
      req.log.info({ did }, 'password reset')
      return reply.status(200).send()
    })
  },
}
