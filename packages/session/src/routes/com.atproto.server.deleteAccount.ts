import type { FastifyInstance } from 'fastify'
import { AuthRequiredError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { checkEmailToken } from '../email-flow.js'
import { OLD_PASSWORD_MAX_LENGTH, verifyPassword } from '../password.js'
import { deleteAccountEverywhere } from '../account-teardown.js'

const NSID = 'com.atproto.server.deleteAccount'

/**
 * Password + emailed code, then the deletion `admin.deleteAccount` does too (deleteAccountEverywhere).
 * Nothing changes before every check has passed.
 */
export function registerDeleteAccount(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const { did, password, token } = readInput<{ did: string; password: string; token: string }>(NSID, req)
    const account = await deps.accounts.getByDid(did)
    const stored = account?.passwordScrypt
    const ok =
      password.length <= OLD_PASSWORD_MAX_LENGTH && !!stored && (await deps.gate.run(() => verifyPassword(password, stored)))
    if (!account || !ok) throw new AuthRequiredError('Invalid did or password')
    await checkEmailToken(deps, did, 'delete_account', token)

    await deleteAccountEverywhere(deps, req.log, account)
    req.log.info({ did }, 'account deleted')
    return reply.status(200).send()
  })
}
