/** A server-side portal session. The browser holds only its signed id. */
export interface AdminSession {
  id: string
  did: string
  /** Sent back in every state-changing form. */
  csrfToken: string
  createdAt: string
  expiresAt: string
}

export interface AdminSessionStore {
  create(s: AdminSession): Promise<void>
  /** The session, expired or not (the caller checks `expiresAt`); null when unknown. */
  get(id: string): Promise<AdminSession | null>
  delete(id: string): Promise<void>
  /** Removes sessions that expired before `now`; returns how many. */
  deleteExpired(now: string): Promise<number>
}

export class MemoryAdminSessionStore implements AdminSessionStore {
  readonly sessions = new Map<string, AdminSession>()
  async create(s: AdminSession): Promise<void> {
    this.sessions.set(s.id, { ...s })
  }
  async get(id: string): Promise<AdminSession | null> {
    const s = this.sessions.get(id)
    return s ? { ...s } : null
  }
  async delete(id: string): Promise<void> {
    this.sessions.delete(id)
  }
  async deleteExpired(now: string): Promise<number> {
    let n = 0
    for (const [id, s] of this.sessions) {
      if (s.expiresAt < now) {
        this.sessions.delete(id)
        n++
      }
    }
    return n
  }
}
