import type { FastifyInstance } from 'fastify'
import type { SessionDeps } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'

const NSID = 'com.atproto.server.listAppPasswords'

export function registerListAppPasswords(app: FastifyInstance, deps: SessionDeps): void {
  app.get(`/xrpc/${NSID}`, async (req) => {
    const auth = await deps.authVerifier.accessOrService(req, NSID)
    await requireActiveAccount(deps, auth.did)
    const rows = await deps.appPasswords.list(auth.did)
    return {
      passwords: rows.map((r) => ({
        name: r.name,
        createdAt: r.createdAt,
        privileged: r.privileged,
      })),
    }
  })
}
