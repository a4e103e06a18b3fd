import type { ComAtprotoIdentityResolveHandle } from '@atproto/api'
import { InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import { normalizeHandle, serviceDomainOf } from '../handle-rules.js'
import type { PlacementRoute } from '../route-deps.js'

export const RESOLVE_HANDLE = 'com.atproto.identity.resolveHandle'
type Output = ComAtprotoIdentityResolveHandle.OutputSchema

/**
 * Every handle the Entryway knows, from its database (PDSes pointed at us as their app view resolve
 * sibling PDSes' handles through this). Other handles go to the external resolver when one is set.
 */
export const resolveHandleRoute: PlacementRoute = {
  nsid: RESOLVE_HANDLE,
  register(app, deps) {
    app.get(xrpcPath(RESOLVE_HANDLE), async (req): Promise<Output> => {
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
  },
}
