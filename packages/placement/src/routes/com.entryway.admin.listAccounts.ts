import { InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { PlacementRoute } from '../route-deps.js'
import { findHost } from './com.entryway.admin.hosts.js'

export const LIST_ACCOUNTS = 'com.entryway.admin.listAccounts'

/** Operator: accounts, optionally of one host (id, URL or DID), paged by DID. */
export const listAccountsRoute: PlacementRoute = {
  nsid: LIST_ACCOUNTS,
  register(app, deps) {
    app.get(xrpcPath(LIST_ACCOUNTS), async (req) => {
      await deps.o.auth.admin(req)
      const q = req.query as { host?: string; limit?: string; cursor?: string }
      const limit = q.limit === undefined ? 100 : Number(q.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new InvalidRequestError('limit must be an integer from 1 to 1000')
      const hostId = q.host ? (await findHost(deps, q.host)).id : undefined
      return deps.o.accounts.list({ hostId, limit, cursor: q.cursor || undefined })
    })
  },
}
