import type { AppPasswordRecord, AppPasswordStore } from '../app-password-store.js'

export class MemoryAppPasswordStore implements AppPasswordStore {
  private readonly rows = new Map<string, AppPasswordRecord>()
  private key = (did: string, name: string) => `${did}\u0000${name}`

  async create(did: string, rec: AppPasswordRecord): Promise<boolean> {
    const k = this.key(did, rec.name)
    if (this.rows.has(k)) return false
    this.rows.set(k, { ...rec })
    return true
  }

  async list(did: string): Promise<AppPasswordRecord[]> {
    return [...this.rows.entries()]
      .filter(([k]) => k.startsWith(`${did}\u0000`))
      .map(([, v]) => ({ ...v }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  }

  async get(did: string, name: string): Promise<AppPasswordRecord | null> {
    const r = this.rows.get(this.key(did, name))
    return r ? { ...r } : null
  }

  async findByHash(did: string, passwordScrypt: string): Promise<AppPasswordRecord | null> {
    return (await this.list(did)).find((r) => r.passwordScrypt === passwordScrypt) ?? null
  }

  async delete(did: string, name: string): Promise<boolean> {
    return this.rows.delete(this.key(did, name))
  }

  async deleteAll(did: string): Promise<void> {
    for (const k of [...this.rows.keys()]) if (k.startsWith(`${did}\u0000`)) this.rows.delete(k)
  }
}
