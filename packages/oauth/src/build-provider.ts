import { OAuthProvider, JoseKey } from '@atproto/oauth-provider/provider'
import type { ResolvedOAuthOptions } from './options.js'
import { EntrywayProviderStore } from './provider-store.js'
import { BoundedClientCache } from './client-cache.js'
import { isScopeRef, scopeRefId, SCOPE_REF_PREFIX } from './scope-ref.js'

/**
 * Builds the reference provider on the Entryway's stores and key. Access tokens are stateless (the
 * PDS verifies them alone): ES256K, `typ: at+jwt`, no `kid`, `iss` = issuer, `aud` = the account's
 * PDS DID, `jti` = `tok-…`, bound to the client's DPoP key (`cnf.jkt`).
 */
export async function buildProvider(opts: ResolvedOAuthOptions): Promise<OAuthProvider> {
  const { privateJwk, previousPublicJwks } = opts.signingKey
  // No kid: each PDS holds exactly one kid-less key, and a token with a kid would not match it.
  const signing = await JoseKey.fromJWK({ ...privateJwk, alg: 'ES256K' })
  const previous = await Promise.all(
    previousPublicJwks.map((jwk) => JoseKey.fromJWK({ ...jwk, alg: 'ES256K' })),
  )
  const store = new EntrywayProviderStore(opts.stores, opts.accounts)
  const { scopeRefs } = opts.stores
  const bounds = { maxEntries: opts.clientCacheSize, maxBytes: opts.clientCacheMaxBytes }

  return new OAuthProvider({
    issuer: opts.issuer,
    keyset: [signing, ...previous],
    dpopSecret: opts.dpopSecret,
    tokenMaxAge: opts.tokenMaxAgeMs,
    store,
    clientMetadataCache: new BoundedClientCache(bounds),
    clientJwksCache: new BoundedClientCache(bounds),
    ...(opts.safeFetch ? { safeFetch: opts.safeFetch } : {}),
    branding: {
      name: opts.serviceName,
      links: opts.links.map((l) => ({
        title: l.title,
        href: l.href,
        ...(l.rel ? { rel: l.rel } : {}),
      })),
    },
    async onCreateToken({ claims }) {
      const scope = claims.scope
      if (scope === undefined || scope.length < opts.scopeRefMinLength || isScopeRef(scope)) return
      const id = scopeRefId(scope)
      await scopeRefs.putScope(id, scope)
      return { ...claims, scope: `${SCOPE_REF_PREFIX}${id}` }
    },
    async onDecodeToken({ payload }) {
      if (!isScopeRef(payload.scope)) return payload
      const scope = await scopeRefs.getScope(payload.scope.slice(SCOPE_REF_PREFIX.length))
      return { ...payload, scope: scope ?? undefined }
    },
  })
}
