import type { ComAtprotoAdminGetAccountInfos } from '@atproto/api'
import { assertValidXrpcParams, InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { SessionAccount } from '../account-store.js'
import type { SessionRoute } from '../deps.js'
import { adminAccountViews } from '../admin-account-view.js'

const NSID = 'com.atproto.admin.getAccountInfos'
type Output = ComAtprotoAdminGetAccountInfos.OutputSchema
/** Accounts per call: each one is a lookup here and a DID in a query string to its PDS. */
export const MAX_ACCOUNT_INFOS = 100

/** Moderator: accounts across the fleet (unknown DIDs are left out, as on a PDS). */
export const adminGetAccountInfosRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req): Promise<Output> => {
      await deps.authVerifier.moderator(req, NSID)
      const raw = ((req.query ?? {}) as Record<string, unknown>).dids
      const dids = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
      if (dids.length > MAX_ACCOUNT_INFOS)
        throw new InvalidRequestError(`At most ${MAX_ACCOUNT_INFOS} dids`)
      assertValidXrpcParams(NSID, { dids })
      const found: SessionAccount[] = []
      for (const did of new Set(dids as string[])) {
        const a = await deps.accounts.getByDid(did)
        if (a) found.push(a)
      }
      return { infos: await adminAccountViews(deps, found, req.log) }
    })
  },
}
