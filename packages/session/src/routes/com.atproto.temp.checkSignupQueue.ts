import type { ComAtprotoTempCheckSignupQueue } from '@atproto/api'
import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { ACCESS_STANDARD, AuthScope } from '../scopes.js'

const NSID = 'com.atproto.temp.checkSignupQueue'
type Output = ComAtprotoTempCheckSignupQueue.OutputSchema

/** There is no signup queue: every account is activated at creation. */
export const checkSignupQueueRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req): Promise<Output> => {
      await deps.authVerifier.access(req, [...ACCESS_STANDARD, AuthScope.SignupQueued])
      return { activated: true }
    })
  },
}
