import type { ComAtprotoServerDeactivateAccount } from '@atproto/api'
import { readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireAccount } from '../account-lookup.js'
import { AuthScope } from '../scopes.js'
import {
  cancelScheduledDeletion,
  parseDeleteAfter,
  scheduleDeletion,
} from '../scheduled-deletion.js'

const NSID = 'com.atproto.server.deactivateAccount'
type Input = ComAtprotoServerDeactivateAccount.InputSchema
const SCOPES = [AuthScope.Access, AuthScope.Takendown]

export const deactivateAccountRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      // @atproto/pds 0.5.35 forwards this with service auth (HEAD's comment says passthrough): take both.
      const auth = await deps.authVerifier.accessOrService(req, NSID, SCOPES)
      const { deleteAfter } = readInput<Input>(NSID, req)
      const deleteAt = deleteAfter === undefined ? null : parseDeleteAfter(deleteAfter, deps.now())
      const account = await requireAccount(deps, auth.did)
      await deps.pdsAdmin.setDeactivated(account.host, account.did, true)
      await deps.accounts.setDeactivated(account.did, true, new Date(deps.now()).toISOString())
      // the last deactivation's wish wins: a new date replaces the schedule, none drops it
      if (deleteAt === null) await cancelScheduledDeletion(deps, account.did)
      else if (deps.outbox) await scheduleDeletion(deps, account.did, deleteAt)
      else req.log.warn({ did: account.did }, 'deleteAfter not kept: no outbox')
      req.log.info(
        {
          did: account.did,
          ...(deleteAt === null ? {} : { deleteAfter: new Date(deleteAt).toISOString() }),
        },
        'account deactivated',
      )
      return reply.status(200).send()
    })
  },
}
