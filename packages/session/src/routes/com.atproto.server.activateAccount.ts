import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { ACCESS_FULL } from '../scopes.js'
import { cancelScheduledDeletion } from '../scheduled-deletion.js'

const NSID = 'com.atproto.server.activateAccount'

export const activateAccountRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      // PDS 0.5.x passes the user's access token through (aud = that PDS); accept service auth too.
      const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
      const account = await requireActiveAccount(deps, auth.did)
      // the user changed their mind: a scheduled deletion goes first, whatever the PDS answers next
      if (await cancelScheduledDeletion(deps, account.did))
        req.log.info({ did: account.did }, 'scheduled deletion cancelled')
      // PDS first: if it refuses (e.g. the DID document no longer points at it) nothing changes here.
      await deps.pdsAdmin.setDeactivated(account.host, account.did, false)
      await deps.accounts.setDeactivated(account.did, false, new Date(deps.now()).toISOString())
      req.log.info({ did: account.did }, 'account activated')
      return reply.status(200).send()
    })
  },
}
