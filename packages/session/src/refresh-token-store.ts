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
