import type { ComAtprotoAdminSearchAccounts } from '@atproto/api'
import { assertValidXrpcParams, InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { adminAccountViews } from '../admin-account-view.js'
import { singleParams } from '../query-params.js'

const NSID = 'com.atproto.admin.searchAccounts'
type Output = ComAtprotoAdminSearchAccounts.OutputSchema

/**
 * Admin: accounts of the whole fleet from the Entryway's own table (a PDS does not serve this
 * method): `email` is a prefix of the email or of the handle; pages are ordered by DID.
 */
export const adminSearchAccountsRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req): Promise<Output> => {
      await deps.authVerifier.moderator(req, NSID)
      const q = singleParams(req, ['email', 'cursor', 'limit'])
      const limit = q.limit === undefined ? 50 : Number(q.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw new InvalidRequestError('limit must be an integer from 1 to 100')
      assertValidXrpcParams(NSID, { ...q, limit })
      if (q.cursor !== undefined && !q.cursor.startsWith('did:'))
        throw new InvalidRequestError('Malformed cursor')
      const page = await deps.accounts.search({ prefix: q.email, limit, cursor: q.cursor })
      return {
        ...(page.cursor ? { cursor: page.cursor } : {}),
        accounts: await adminAccountViews(deps, page.accounts, req.log),
      }
    })
  },
}
