import { xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'

const NSID = 'com.atproto.server.deleteSession'

export const deleteSessionRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      // Expired refresh tokens may still log out (the PDS's refresh({allowExpired: true})).
      const claims = await deps.authVerifier.refresh(req, { allowExpired: true })
      await deps.refreshTokens.revoke(claims.jti)
      req.log.info({ did: claims.sub }, 'session deleted')
      return reply.status(200).send()
    })
  },
}
