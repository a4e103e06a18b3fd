import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'

const NSID = 'com.atproto.server.deleteSession'

export function registerDeleteSession(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    // Expired refresh tokens may still log out (the PDS's refresh({allowExpired: true})).
    const claims = await deps.authVerifier.refresh(req, { allowExpired: true })
    await deps.refreshTokens.revoke(claims.jti)
    req.log.info({ did: claims.sub }, 'session deleted')
    return reply.status(200).send()
  })
}
