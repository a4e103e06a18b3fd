import type { FastifyInstance } from 'fastify'
import { AuthRequiredError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { checkEmailToken } from '../email-flow.js'
import { OLD_PASSWORD_MAX_LENGTH, verifyPassword } from '../password.js'

const NSID = 'com.atproto.server.deleteAccount'

/**
 * Password + emailed code, then: the PDS removes the repo, the account is marked deleted with its
 * sessions, app passwords and codes gone, and the DID is tombstoned on PLC with the Entryway's
 * rotation key. Nothing changes before every check has passed.
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

    await deps.pdsAdmin.deleteAccount(account.host, did)
    const at = new Date(deps.now()).toISOString()
    await deps.accounts.markDeleted(did, at)
    await deps.refreshTokens.revokeByDid(did)
    await deps.onRevokeAccountSessions(did)
    await deps.appPasswords.deleteAll(did)
    await deps.emailTokens.deleteAll(did)
    try {
      await deps.plc.tombstone(did)
    } catch (err) {
      // The repo and the account are gone; a live DID document pointing at nothing is logged
      // for an operator rather than failing a deletion the user cannot retry.
      req.log.error({ err, did }, 'plc tombstone failed after account deletion')
    }
    req.log.info({ did }, 'account deleted')
    return reply.status(200).send()
  })
}
