import type { ComAtprotoServerRefreshSession } from '@atproto/api'
import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { rotateRefreshToken } from '../refresh-rotation.js'
import { sessionInfo } from '../session-output.js'

const NSID = 'com.atproto.server.refreshSession'
type Output = ComAtprotoServerRefreshSession.OutputSchema

export const refreshSessionRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req): Promise<Output> => {
      const claims = await deps.authVerifier.refresh(req)
      const { tokens, account } = await rotateRefreshToken(deps, claims.jti)
      const info = await sessionInfo(deps, req, account)
      return { accessJwt: tokens.accessJwt, refreshJwt: tokens.refreshJwt, ...info }
    })
  },
}
