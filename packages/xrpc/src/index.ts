export * from './errors.js'
export { xrpcErrorHandler, toXrpcError } from './error-handler.js'
export {
  assertValidXrpcInput,
  assertValidXrpcParams,
  assertValidXrpcOutput,
} from './lexicon-validate.js'
export { parseBasicAuth, parseBearer } from './auth-header.js'
export {
  getPdsEndpoint,
  type DidDocument,
  type DidDocResolver,
  type ResolveOptions,
} from './did-document.js'
export {
  storableInput,
  assertStorable,
  unstorableReason,
  MAX_INPUT_INTEGER,
} from './storable-input.js'
export { optionsKit, type OptionsKit, type Resolved } from './options-kit.js'
export {
  boundedCache,
  cacheUsage,
  serializedSize,
  type BoundedCache,
  type CacheBounds,
  type CacheUsage,
} from './bounded-cache.js'
export { readInput } from './read-input.js'
export {
  mountRoutes,
  nsidsOf,
  prependOnRequest,
  xrpcPath,
  type RouteModule,
  type XrpcRoute,
} from './xrpc-route.js'
export {
  rateCounter,
  type RateCounter,
  type RateLimitStore,
  type RateWindow,
} from './rate-counter.js'
export {
  limitKey,
  routeLimiter,
  type AppliedRouteLimit,
  type LimitPer,
  type RouteLimiter,
  type RouteRateLimit,
} from './route-limits.js'
export { clientSubnet } from './client-subnet.js'
