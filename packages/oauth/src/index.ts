export { entrywayOAuth, OAUTH_NSIDS, OAUTH_ROUTES, type EntrywayOAuth } from './plugin.js'
export {
  resolveOptions,
  DEFAULT_TOKEN_MAX_AGE_MS,
  DEFAULT_SCOPE_REF_MIN_LENGTH,
  MAX_TOKEN_MAX_AGE_MS,
  DPOP_SECRET_BYTES,
  type OAuthPluginOptions,
  type ResolvedOAuthOptions,
  type OAuthLink,
  type JwkJson,
} from './options.js'
export type {
  OAuthAccount,
  OAuthAccountBackend,
  OAuthAuthenticateResult,
} from './account-backend.js'
export type * from './stores.js'
export { scopeRefId, isScopeRef, SCOPE_REF_PREFIX } from './scope-ref.js'
export { PROVIDER_PATHS } from './mount-provider.js'
export { createMemoryOAuthStores, MemoryAccountBackend } from './memory-stores.js'
