import type { ComAtprotoAdminDeleteAccount } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { deleteAccountEverywhere } from '../account-teardown.js'

const NSID = 'com.atproto.admin.deleteAccount'
type Input = ComAtprotoAdminDeleteAccount.InputSchema

/** Basic admin: the same deletion as a user's own (PDS repo, account, sessions, PLC tombstone). */
export const adminDeleteAccountRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      await deps.authVerifier.adminBasic(req)
      const { did } = readInput<Input>(NSID, req)
      const account = await deps.accounts.getByDid(did)
      if (!account)
        throw new InvalidRequestError(`Account does not exist: ${did}`, 'AccountNotFound')
      await deleteAccountEverywhere(deps, req.log, account)
      req.log.info({ did }, 'account deleted by admin')
      return reply.status(200).send()
    })
  },
}
