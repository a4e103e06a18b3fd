export { entrywayProxy } from './plugin.js'
export {
  resolveOptions,
  canonicalOrigin,
  type ProxyOptions,
  type ProxyMetrics,
  type ResolvedProxyOptions,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_CONNECTIONS_PER_HOST,
  DEFAULT_TOKEN_CACHE_TTL_MS,
  DEFAULT_CIRCUIT_THRESHOLD,
  DEFAULT_CIRCUIT_OPEN_MS,
} from './options.js'
export { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js'
export {
  DidDocCache,
  DidResolveTimeoutError,
  type DidDocCacheOptions,
  type DidDocFetcher,
  DEFAULT_DID_STALE_TTL_MS,
  DEFAULT_DID_MAX_TTL_MS,
  DEFAULT_DID_RESOLVE_TIMEOUT_MS,
} from './did-doc-cache.js'
export { createDidDocFetcher, type DidDocFetcherOptions } from './did-doc-fetcher.js'
export {
  MemoryHostDirectory,
  HostSnapshot,
  originOf,
  type HostDirectory,
  type FleetHost,
  type FleetHostStatus,
} from './host-directory.js'
export { MemoryAccountRoutes, type AccountRoutes } from './account-routes.js'
export {
  VerifiedTokenCache,
  type AccessTokenVerifier,
  type VerifiedAccess,
} from './verified-token-cache.js'
export { ENTRYWAY_RESERVED_NSIDS, NsidMatcher } from './owned-nsids.js'
export { isPublicAddress, publicOnlyLookup } from './address-guard.js'
export { mapUpstreamError } from './upstream-errors.js'
export type { CachingDidResolver, Route } from './route-resolver.js'
