import type { ComAtprotoAdminUpdateSubjectStatus } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { atUriAuthority, subjectAccount } from '../admin-subject.js'
import { revokeAccountSessions } from '../account-teardown.js'

const NSID = 'com.atproto.admin.updateSubjectStatus'
type Input = ComAtprotoAdminUpdateSubjectStatus.InputSchema
type Output = ComAtprotoAdminUpdateSubjectStatus.OutputSchema
const REPO_REF = 'com.atproto.admin.defs#repoRef'

/**
 * Moderation at the Entryway (Basic admin or a moderation service's JWT). The account's PDS applies it first with its own route
 * (records, blobs and repos alike); for a repo the Entryway then mirrors it: a takedown marks the
 * account `takendown` and ends every session (logins then answer `AccountTakedown`, refreshes are
 * refused), its reversal restores the account.
 */
export const adminUpdateSubjectStatusRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req): Promise<Output> => {
      await deps.authVerifier.moderator(req, NSID)
      const input = readInput<Input>(NSID, req)
      const { subject, takedown, deactivated } = input
      if (takedown?.applied && deactivated && !deactivated.applied) {
        throw new InvalidRequestError('Cannot activate and takedown an account at the same time')
      }
      const isRepo = subject.$type === REPO_REF
      const account = await subjectAccount(
        deps,
        'uri' in subject && typeof subject.uri === 'string'
          ? atUriAuthority(subject.uri)
          : 'did' in subject && typeof subject.did === 'string'
            ? subject.did
            : '',
      )
      // the PDS's answer, passed on as it came
      const out = (await deps.pdsAdmin.forward(account.host, NSID, {
        method: 'POST',
        body: input,
      })) as Output
      if (!isRepo) return out

      const { did } = account
      const at = new Date(deps.now()).toISOString()
      if (takedown) {
        await deps.accounts.setTakedown(did, takedown.applied ? (takedown.ref ?? at) : null, at)
        if (takedown.applied) await revokeAccountSessions(deps, did)
        req.log.info(
          { did, applied: takedown.applied },
          takedown.applied ? 'account taken down' : 'account takedown reversed',
        )
      }
      if (deactivated) await deps.accounts.setDeactivated(did, deactivated.applied, at)
      return out
    })
  },
}
