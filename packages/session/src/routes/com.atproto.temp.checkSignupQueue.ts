import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { ACCESS_STANDARD, AuthScope } from '../scopes.js'

const NSID = 'com.atproto.temp.checkSignupQueue'

/** There is no signup queue: every account is activated at creation. */
export function registerCheckSignupQueue(app: FastifyInstance, deps: SessionDeps): void {
  app.get(`/xrpc/${NSID}`, async (req) => {
    await deps.authVerifier.access(req, [...ACCESS_STANDARD, AuthScope.SignupQueued])
    return { activated: true }
  })
}
