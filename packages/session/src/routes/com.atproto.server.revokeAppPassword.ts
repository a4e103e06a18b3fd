import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { requireAccount } from '../account-lookup.js'

const NSID = 'com.atproto.server.revokeAppPassword'

export function registerRevokeAppPassword(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const auth = await deps.authVerifier.accessOrService(req, NSID)
    const { name } = readInput<{ name: string }>(NSID, req)
    await requireAccount(deps, auth.did)
    // Revoke before and after the delete: a login racing the delete cannot keep a session.
    await deps.refreshTokens.revokeByAppPassword(auth.did, name)
    await deps.appPasswords.delete(auth.did, name)
    await deps.refreshTokens.revokeByAppPassword(auth.did, name)
    return reply.status(200).send()
  })
}
