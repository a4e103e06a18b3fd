import type {
  ClientAuth,
  ClientAuthLegacy,
  ClientId,
  Code,
  CreateTokenData,
  DeviceData,
  DeviceId,
  DeviceStore,
  LexiconStore,
  NewTokenData,
  RefreshToken,
  ReplayStore,
  RequestStore,
  TokenData,
  TokenId,
} from '@atproto/oauth-provider/store'

export type {
  ClientAuth,
  ClientAuthLegacy,
  ClientId,
  Code,
  CreateTokenData,
  DeviceData,
  DeviceId,
  DeviceStore,
  LexiconStore,
  NewTokenData,
  RefreshToken,
  ReplayStore,
  RequestStore,
  TokenData,
  TokenId,
}

/**
 * The provider's pending authorization requests (PAR → authorize → code). Any Entryway instance
 * must be able to continue a flow another instance started, so this lives in the shared database.
 * `consumeRequestCode` must be atomic: two concurrent exchanges of one code, one winner.
 */
export type OAuthRequestStore = RequestStore

/** Browser devices (the provider's device cookie), shared like requests. */
export type OAuthDeviceStore = DeviceStore

/** Lexicon documents the provider resolved for `include:` permission sets (a cache). */
export type OAuthLexiconStore = LexiconStore

/** Nonce uniqueness within a time frame: DPoP `jti`, client assertions, code challenges. */
export type OAuthReplayStore = ReplayStore

/** A token row without the account: the package joins the account from the backend. */
export interface OAuthTokenRecord {
  id: TokenId
  data: TokenData
  currentRefreshToken: RefreshToken | null
}

/**
 * OAuth sessions ("tokens" in the provider): one row per grant, rotated on every refresh. Refresh
 * tokens that were rotated out are kept (until the row is deleted) so that a replayed one is
 * recognised and the whole session revoked.
 */
export interface OAuthTokenStore {
  /** @throws when `refreshToken` was already used */
  createToken(id: TokenId, data: CreateTokenData, refreshToken?: RefreshToken): Promise<void>
  readToken(id: TokenId): Promise<OAuthTokenRecord | null>
  deleteToken(id: TokenId): Promise<void>
  /** @throws when `newRefreshToken` was already used */
  rotateToken(
    id: TokenId,
    newId: TokenId,
    newRefreshToken: RefreshToken,
    newData: NewTokenData,
  ): Promise<void>
  /** Finds the session by its current refresh token or by any refresh token it used before. */
  findTokenByRefreshToken(refreshToken: RefreshToken): Promise<OAuthTokenRecord | null>
  findTokenByCode(code: Code): Promise<OAuthTokenRecord | null>
  listAccountTokens(did: string): Promise<OAuthTokenRecord[]>
  /** Revokes every session of an account (password change, account deletion). Returns how many. */
  deleteAccountTokens(did: string): Promise<number>
}

export interface OAuthDeviceAccountRecord {
  deviceId: DeviceId
  did: string
  deviceData: DeviceData
  createdAt: Date
  updatedAt: Date
}

/** Which accounts are signed in on which browser device (the account chooser). */
export interface OAuthDeviceAccountStore {
  upsertDeviceAccount(deviceId: DeviceId, did: string): Promise<void>
  getDeviceAccount(deviceId: DeviceId, did: string): Promise<OAuthDeviceAccountRecord | null>
  removeDeviceAccount(deviceId: DeviceId, did: string): Promise<void>
  listDeviceAccounts(
    filter: { did: string } | { deviceId: DeviceId },
  ): Promise<OAuthDeviceAccountRecord[]>
  /** Signs an account out of every device (password change, account deletion). */
  removeAccount(did: string): Promise<void>
}

export interface AuthorizedClientData {
  authorizedScopes: readonly string[]
}

/** The scopes each account granted each client (consent is not asked again for these). */
export interface OAuthAuthorizedClientStore {
  setAuthorizedClient(did: string, clientId: ClientId, data: AuthorizedClientData): Promise<void>
  listAuthorizedClients(
    dids: readonly string[],
  ): Promise<Map<string, Map<ClientId, AuthorizedClientData>>>
}

/**
 * `ref:<id>` scope references: long scopes are put in access tokens as a reference, which each PDS
 * dereferences through `com.atproto.temp.dereferenceScope` (unauthenticated). `id` is the content
 * hash of the scope, so storing it twice is harmless.
 */
export interface OAuthScopeRefStore {
  putScope(id: string, scope: string): Promise<void>
  getScope(id: string): Promise<string | null>
}

/** Everything the provider persists. `apps/gateway` gives Postgres ones, tests the memory ones. */
export interface OAuthStores {
  requests: OAuthRequestStore
  devices: OAuthDeviceStore
  deviceAccounts: OAuthDeviceAccountStore
  authorizedClients: OAuthAuthorizedClientStore
  tokens: OAuthTokenStore
  lexicons: OAuthLexiconStore
  replay: OAuthReplayStore
  scopeRefs: OAuthScopeRefStore
}
