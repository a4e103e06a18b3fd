import type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from '../email-token-store.js'

export class MemoryEmailTokenStore implements EmailTokenStore {
  private readonly rows = new Map<string, EmailTokenRecord>()
  private key = (did: string, purpose: string) => `${purpose}\u0000${did}`

  async put(rec: EmailTokenRecord): Promise<void> {
    this.rows.set(this.key(rec.did, rec.purpose), { ...rec })
  }

  async find(
    did: string,
    purpose: EmailTokenPurpose,
    token: string,
  ): Promise<EmailTokenRecord | null> {
    const r = this.rows.get(this.key(did, purpose))
    return r && r.token === token ? { ...r } : null
  }

  async consume(
    did: string,
    purpose: EmailTokenPurpose,
    token: string,
  ): Promise<EmailTokenRecord | null> {
    // Read and delete with no await in between: a code is used once, even by concurrent calls.
    const r = this.rows.get(this.key(did, purpose))
    if (!r || r.token !== token) return null
    this.rows.delete(this.key(did, purpose))
    return { ...r }
  }

  async findByToken(purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRecord | null> {
    for (const r of this.rows.values())
      if (r.purpose === purpose && r.token === token) return { ...r }
    return null
  }

  async consumeByToken(
    purpose: EmailTokenPurpose,
    token: string,
  ): Promise<EmailTokenRecord | null> {
    for (const r of this.rows.values()) {
      if (r.purpose === purpose && r.token === token) return this.consume(r.did, purpose, token)
    }
    return null
  }

  async delete(did: string, purpose: EmailTokenPurpose): Promise<void> {
    this.rows.delete(this.key(did, purpose))
  }

  async deleteAll(did: string): Promise<void> {
    for (const [k, r] of [...this.rows.entries()]) if (r.did === did) this.rows.delete(k)
  }
}
