import type { ComAtprotoServerListAppPasswords } from '@atproto/api'
import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'

const NSID = 'com.atproto.server.listAppPasswords'
type Output = ComAtprotoServerListAppPasswords.OutputSchema

export const listAppPasswordsRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req): Promise<Output> => {
      const auth = await deps.authVerifier.accessOrService(req, NSID)
      await requireActiveAccount(deps, auth.did)
      const rows = await deps.appPasswords.list(auth.did)
      return {
        passwords: rows.map((r) => ({
          name: r.name,
          createdAt: r.createdAt,
          privileged: r.privileged,
        })),
      }
    })
  },
}
