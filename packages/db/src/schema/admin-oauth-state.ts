/** A pending admin OAuth sign-in (`@atproto/oauth-client-node` state), as JSON, until its callback. */
export interface AdminOAuthState {
  key: string
  value: string
  expiresAt: string
}

export const tableName = 'admin_oauth_state'
export type PartialDB = { [tableName]: AdminOAuthState }
