import type { ComAtprotoTempDereferenceScope } from '@atproto/api'
import { InvalidRequestError, xrpcPath, type XrpcRoute } from '@entryway/xrpc'
import { isScopeRef, SCOPE_REF_PREFIX } from '../scope-ref.js'
import type { OAuthScopeRefStore } from '../stores.js'

const NSID = 'com.atproto.temp.dereferenceScope'
type Output = ComAtprotoTempDereferenceScope.OutputSchema
/** Scope references never change (the id is a content hash): PDSes may cache them for a day. */
const CACHE_CONTROL = 'public, max-age=86400, immutable'

/**
 * `com.atproto.temp.dereferenceScope`: unauthenticated, called by PDSes verifying an access token
 * whose scope is `ref:<id>`. An unknown reference is `InvalidScopeReference`, which makes the PDS
 * treat the token as invalid.
 */
export const dereferenceScopeRoute: XrpcRoute<{ scopeRefs: OAuthScopeRefStore }> = {
  nsid: NSID,
  register(app, deps) {
    app.get(xrpcPath(NSID), async (req, reply): Promise<Output> => {
      const { scope } = req.query as { scope?: unknown }
      if (typeof scope !== 'string' || scope === '')
        throw new InvalidRequestError('Error: Params must have the property "scope"')
      if (!isScopeRef(scope))
        throw new InvalidRequestError('Not a scope reference', 'InvalidScopeReference')
      const full = await deps.scopeRefs.getScope(scope.slice(SCOPE_REF_PREFIX.length))
      if (full === null)
        throw new InvalidRequestError('Scope reference not found', 'InvalidScopeReference')
      reply.header('cache-control', CACHE_CONTROL)
      return { scope: full }
    })
  },
}
