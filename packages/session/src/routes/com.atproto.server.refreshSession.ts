import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { rotateRefreshToken } from '../refresh-rotation.js'
import { sessionInfo } from '../session-output.js'

const NSID = 'com.atproto.server.refreshSession'

export function registerRefreshSession(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req) => {
    const claims = await deps.authVerifier.refresh(req)
    const { tokens, account } = await rotateRefreshToken(deps, claims.jti)
    const info = await sessionInfo(deps, req, account)
    return { accessJwt: tokens.accessJwt, refreshJwt: tokens.refreshJwt, ...info }
  })
}
