import type { FastifyInstance } from 'fastify'
import { AuthRequiredError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { checkEmailToken } from '../email-flow.js'
import { authenticate } from '../login.js'
import { deleteAccountEverywhere } from '../account-teardown.js'

const NSID = 'com.atproto.server.deleteAccount'

/**
 * Password + emailed code, then the deletion `admin.deleteAccount` does too (deleteAccountEverywhere).
 * The password goes through the sign-in check (`authenticate`: the same limits per address and per
 * account as createSession, the same scrypt gate, account password only). As the PDS, a right
 * password with a wrong code answers InvalidToken. Nothing changes before every check has passed.
 */
export function registerDeleteAccount(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const { did, password, token } = readInput<{ did: string; password: string; token: string }>(
      NSID,
      req,
    )
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
}
