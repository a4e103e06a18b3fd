import { MethodNotImplementedError, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'

/**
 * Every other `com.atproto.admin.*` method: 501, but only for a caller who may use admin methods
 * (an anonymous client learns nothing about which ones exist, and pays the admin failure limit).
 */
const NAMESPACE = 'com.atproto.admin.*'

export const adminUnsupportedRoute: SessionRoute = {
  nsid: NAMESPACE,
  register(app, deps) {
    app.route({
      method: ['GET', 'POST'],
      url: xrpcPath(NAMESPACE),
      handler: async (req) => {
        const nsid = `com.atproto.admin.${(req.params as { '*': string })['*']}`
        await deps.authVerifier.moderator(req, nsid)
        throw new MethodNotImplementedError(`${nsid} is not served by this Entryway or its PDSes`)
      },
    })
  },
}
