import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { deleteAccountEverywhere } from '../account-teardown.js'

const NSID = 'com.atproto.admin.deleteAccount'

/** Basic admin: the same deletion as a user's own (PDS repo, account, sessions, PLC tombstone). */
export function registerAdminDeleteAccount(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    await deps.authVerifier.adminBasic(req)
    const { did } = readInput<{ did: string }>(NSID, req)
    const account = await deps.accounts.getByDid(did)
    if (!account) throw new InvalidRequestError(`Account does not exist: ${did}`, 'AccountNotFound')
    await deleteAccountEverywhere(deps, req.log, account)
    req.log.info({ did }, 'account deleted by admin')
    return reply.status(200).send()
  })
}
