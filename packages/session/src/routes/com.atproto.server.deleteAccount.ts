import type { ComAtprotoServerDeleteAccount } from '@atproto/api'
import { AuthRequiredError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { checkEmailToken } from '../email-flow.js'
import { authenticate } from '../login.js'
import { deleteAccountEverywhere } from '../account-teardown.js'

const NSID = 'com.atproto.server.deleteAccount'
type Input = ComAtprotoServerDeleteAccount.InputSchema

/**
 * Password + emailed code, then the deletion `admin.deleteAccount` does too (deleteAccountEverywhere).
 * The password goes through the sign-in check (`authenticate`: the same limits per address and per
 * account as createSession, the same scrypt gate, account password only). As the PDS, a right
 * password with a wrong code answers InvalidToken. Nothing changes before every check has passed.
 */
export const deleteAccountRoute: SessionRoute = {
  nsid: NSID,
  rateLimits: [{ name: 'deleteAccountPerIp', per: 'ip' }],
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const { did, password, token } = readInput<Input>(NSID, req)
      const { account } = await authenticate(deps, {
        identifier: did,
        password,
        ip: req.ip,
        appPasswords: null,
      }).catch((err: unknown) => {
        // the sign-in message names the identifier; this route's input is a DID
        if (err instanceof AuthRequiredError && err.message === 'Invalid identifier or password')
          throw new AuthRequiredError('Invalid did or password')
        throw err
      })
      if (account.did !== did.trim().toLowerCase())
        throw new AuthRequiredError('Invalid did or password')
      await checkEmailToken(deps, account.did, 'delete_account', token)

      await deleteAccountEverywhere(deps, req.log, account)
      req.log.info({ did: account.did }, 'account deleted')
      return reply.status(200).send()
    })
  },
}
