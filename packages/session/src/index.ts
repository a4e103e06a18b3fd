export { AuthScope, ACCESS_FULL, ACCESS_PRIVILEGED, ACCESS_STANDARD, isAuthScope } from './scopes.js'
export { JwtKeyring, publicHexToDidKey } from './jwt-keyring.js'
export {
  createAccessToken,
  createRefreshToken,
  verifyAccessToken,
  verifyRefreshToken,
  newRefreshJti,
  DEFAULT_ACCESS_TTL_SEC,
  DEFAULT_REFRESH_TTL_SEC,
  CLOCK_TOLERANCE_SEC,
  type AccessClaims,
  type RefreshClaims,
  type MintAccessOptions,
  type MintRefreshOptions,
  type VerifyOptions,
} from './tokens.js'
export { createSessionIssuer, type SessionIssuer, type SessionIssuerOptions, type IssueSessionInput, type SessionTokens } from './session-issuer.js'
export type { RefreshTokenStore, RefreshTokenRecord } from './refresh-token-store.js'
export { getPdsEndpoint, type DidDocument, type DidDocResolver } from './did-doc-resolver.js'
export { AuthVerifier, type AuthVerifierOptions, type AccessAuth, type ServiceAuth } from './auth-verifier.js'
export { PROTECTED_METHODS } from './protected-methods.js'
export { hashPassword, verifyPassword, NEW_PASSWORD_MAX_LENGTH, OLD_PASSWORD_MAX_LENGTH } from './password.js'
