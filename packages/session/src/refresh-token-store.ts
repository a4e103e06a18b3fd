/** What the session issuer needs to remember refresh tokens. The app wires a Postgres one. */
export interface RefreshTokenRecord {
  id: string
  did: string
  appPasswordName: string | null
  expiresAt: string
  nextId: string | null
}

export interface RefreshTokenStore {
  insert(rec: Omit<RefreshTokenRecord, 'nextId'>): Promise<void>
  get(id: string): Promise<RefreshTokenRecord | null>
}

export interface RotateRefreshInput {
  id: string
  /** The old token's shortened expiry (the grace window). */
  expiresAt: string
  /** The successor's id; concurrent rotations of `id` must all agree on it. */
  nextId: string
  successor: Omit<RefreshTokenRecord, 'nextId'>
}

/** Rotation and revocation, as the PDS's account manager does them (helpers/auth.ts). */
export interface SessionRefreshStore extends RefreshTokenStore {
  /**
   * In one transaction: set `expiresAt`/`nextId` on `id` only if its `nextId` is null or already
   * `nextId`, and insert the successor unless it exists. False when another rotation won (retry).
   */
  rotate(input: RotateRefreshInput): Promise<boolean>
  /** Deletes the token and the used tokens whose successor it is. */
  revoke(id: string): Promise<boolean>
  revokeByDid(did: string): Promise<void>
  revokeByAppPassword(did: string, appPasswordName: string): Promise<void>
  deleteExpired(did: string, nowIso: string): Promise<void>
}
