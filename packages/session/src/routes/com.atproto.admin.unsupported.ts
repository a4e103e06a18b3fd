import type { FastifyInstance } from 'fastify'
import { MethodNotImplementedError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'

/**
 * Every other `com.atproto.admin.*` method: 501, but only for a caller who may use admin methods
 * (an anonymous client learns nothing about which ones exist, and pays the admin failure limit).
 */
export function registerAdminUnsupported(app: FastifyInstance, deps: SessionDeps): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/xrpc/com.atproto.admin.*',
    handler: async (req) => {
      const nsid = `com.atproto.admin.${(req.params as { '*': string })['*']}`
      await deps.authVerifier.moderator(req, nsid)
      throw new MethodNotImplementedError(`${nsid} is not served by this Entryway or its PDSes`)
    },
  })
}
