import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import { normalizeHandle, serviceDomainOf } from '../handle-rules.js'
import type { PlacementRouteDeps } from '../route-deps.js'

export const RESOLVE_HANDLE = 'com.atproto.identity.resolveHandle'

/**
 * Every handle the Entryway knows, from its database (PDSes pointed at us as their app view resolve
 * sibling PDSes' handles through this). Other handles go to the external resolver when one is set.
 */
export function registerResolveHandle(app: FastifyInstance, deps: PlacementRouteDeps): void {
  app.get(`/xrpc/${RESOLVE_HANDLE}`, async (req) => {
    const q = req.query as { handle?: unknown }
    const handle = normalizeHandle(q?.handle)
    const account = await deps.o.accounts.getByHandle(handle)
    if (account && account.status !== 'takendown') return { did: account.did }
    if (!serviceDomainOf(handle, deps.o.handleDomains) && deps.o.externalHandles) {
      const did = await deps.o.externalHandles.resolve(handle).catch(() => undefined)
      if (did?.startsWith('did:')) return { did }
    }
    throw new InvalidRequestError('Unable to resolve handle', 'HandleNotFound')
  })
}
