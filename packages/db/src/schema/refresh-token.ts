/** A refresh token's jti, revocable; `nextId` makes concurrent refreshes converge on one successor. */
export interface RefreshToken {
  id: string
  did: string
  /** Set when the session was opened with an app password: revoking it ends the session. */
  appPasswordName: string | null
  expiresAt: string
  nextId: string | null
  createdAt: string
}

export const tableName = 'refresh_token'
export type PartialDB = { [tableName]: RefreshToken }
