import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { requireAccount } from '../account-lookup.js'
import { hashPassword, NEW_PASSWORD_MAX_LENGTH } from '../password.js'

const NSID = 'com.atproto.admin.updateAccountPassword'

export function registerAdminUpdateAccountPassword(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    await deps.authVerifier.adminBasic(req)
    const { did, password } = readInput<{ did: string; password: string }>(NSID, req)
    if (password.length > NEW_PASSWORD_MAX_LENGTH)
      throw new InvalidRequestError(`Password too long (max ${NEW_PASSWORD_MAX_LENGTH} characters)`)
    await requireAccount(deps, did)
    const passwordScrypt = await deps.gate.run(() => hashPassword(password))
    await deps.accounts.updatePassword(did, passwordScrypt)
    await deps.refreshTokens.revokeByDid(did)
    await deps.onRevokeAccountSessions(did)
    req.log.info({ did }, 'password changed by admin')
    return reply.status(200).send()
  })
}
