import type {
  RefreshTokenRecord,
  RotateRefreshInput,
  SessionRefreshStore,
} from '../refresh-token-store.js'

export class MemoryRefreshTokenStore implements SessionRefreshStore {
  readonly rows = new Map<string, RefreshTokenRecord>()

  async insert(rec: Omit<RefreshTokenRecord, 'nextId'>): Promise<void> {
    if (this.rows.has(rec.id)) throw new Error('duplicate refresh token id')
    this.rows.set(rec.id, { ...rec, nextId: null })
  }

  async get(id: string): Promise<RefreshTokenRecord | null> {
    const r = this.rows.get(id)
    return r ? { ...r } : null
  }

  async rotate(i: RotateRefreshInput): Promise<boolean> {
    const r = this.rows.get(i.id)
    if (!r || (r.nextId !== null && r.nextId !== i.nextId)) return false
    r.expiresAt = i.expiresAt
    r.nextId = i.nextId
    if (!this.rows.has(i.successor.id))
      this.rows.set(i.successor.id, { ...i.successor, nextId: null })
    return true
  }

  async revoke(id: string): Promise<boolean> {
    for (const [k, r] of [...this.rows.entries()]) if (r.nextId === id) this.rows.delete(k)
    return this.rows.delete(id)
  }

  async revokeByDid(did: string): Promise<void> {
    for (const [k, r] of [...this.rows.entries()]) if (r.did === did) this.rows.delete(k)
  }

  async revokeByAppPassword(did: string, name: string): Promise<void> {
    for (const [k, r] of [...this.rows.entries()])
      if (r.did === did && r.appPasswordName === name) this.rows.delete(k)
  }

  async deleteExpired(did: string, nowIso: string): Promise<void> {
    for (const [k, r] of [...this.rows.entries()])
      if (r.did === did && r.expiresAt <= nowIso) this.rows.delete(k)
  }
}
