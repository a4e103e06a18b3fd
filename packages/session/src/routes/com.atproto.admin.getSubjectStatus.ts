import type { ComAtprotoAdminGetSubjectStatus } from '@atproto/api'
import { assertValidXrpcParams, InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { atUriAuthority, subjectAccount } from '../admin-subject.js'

const NSID = 'com.atproto.admin.getSubjectStatus'
type Output = ComAtprotoAdminGetSubjectStatus.OutputSchema

/** Moderator (Basic admin or a moderation service): the status as the account's PDS knows it (repo, record or blob), passed on. */
export const adminGetSubjectStatusRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req): Promise<Output> => {
      await deps.authVerifier.moderator(req, NSID)
      const q = (req.query ?? {}) as Record<string, unknown>
      const params: Record<string, string> = {}
      for (const k of ['did', 'uri', 'blob'] as const) {
        const v = q[k]
        if (Array.isArray(v)) throw new InvalidRequestError(`${k} must be given once`)
        if (typeof v === 'string') params[k] = v
      }
      assertValidXrpcParams(NSID, params)
      if (params.blob && !params.did)
        throw new InvalidRequestError('Must provide a did to request blob state')
      const repo = params.blob ? params.did : params.uri ? atUriAuthority(params.uri) : params.did
      if (!repo) throw new InvalidRequestError('No provided subject')
      const account = await subjectAccount(deps, repo)
      // the PDS's answer, passed on as it came
      return (await deps.pdsAdmin.forward(account.host, NSID, { method: 'GET', params })) as Output
    })
  },
}
