import type { ComAtprotoServerRevokeAppPassword } from '@atproto/api'
import { readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireAccount } from '../account-lookup.js'

const NSID = 'com.atproto.server.revokeAppPassword'
type Input = ComAtprotoServerRevokeAppPassword.InputSchema

export const revokeAppPasswordRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const auth = await deps.authVerifier.accessOrService(req, NSID)
      const { name } = readInput<Input>(NSID, req)
      await requireAccount(deps, auth.did)
      // Revoke before and after the delete: a login racing the delete cannot keep a session.
      await deps.refreshTokens.revokeByAppPassword(auth.did, name)
      await deps.appPasswords.delete(auth.did, name)
      await deps.refreshTokens.revokeByAppPassword(auth.did, name)
      return reply.status(200).send()
    })
  },
}
