/** The OAuth provider's state (migration 050-oauth). Dates are ISO text, JSON columns are text. */

export interface OAuthRequest {
  id: string
  clientId: string
  /** JSON of the provider's ClientAuth, or null. */
  clientAuth: string | null
  /** JSON of the authorization request parameters. */
  parameters: string
  expiresAt: string
  deviceId: string | null
  did: string | null
  code: string | null
}

export interface OAuthDevice {
  id: string
  sessionId: string
  userAgent: string | null
  ipAddress: string
  lastSeenAt: string
}

export interface OAuthDeviceAccount {
  deviceId: string
  did: string
  createdAt: string
  updatedAt: string
}

export interface OAuthAuthorizedClient {
  did: string
  clientId: string
  /** JSON `{ authorizedScopes: string[] }`. */
  data: string
  createdAt: string
  updatedAt: string
}

export interface OAuthToken {
  id: string
  did: string
  clientId: string
  clientAuth: string
  deviceId: string | null
  parameters: string
  details: string | null
  scope: string | null
  code: string | null
  currentRefreshToken: string | null
  createdAt: string
  updatedAt: string
  expiresAt: string
}

export interface OAuthUsedRefreshToken {
  refreshToken: string
  tokenId: string
}

export interface OAuthLexicon {
  nsid: string
  uri: string | null
  lexicon: string | null
  createdAt: string
  updatedAt: string
  lastSucceededAt: string | null
}

export interface OAuthReplay {
  namespace: string
  nonce: string
  expiresAt: string
}

export interface OAuthScopeRef {
  id: string
  scope: string
  createdAt: string
}

export type PartialDB = {
  oauth_request: OAuthRequest
  oauth_device: OAuthDevice
  oauth_device_account: OAuthDeviceAccount
  oauth_authorized_client: OAuthAuthorizedClient
  oauth_token: OAuthToken
  oauth_used_refresh_token: OAuthUsedRefreshToken
  oauth_lexicon: OAuthLexicon
  oauth_replay: OAuthReplay
  oauth_scope_ref: OAuthScopeRef
}
