/** A code issued by the sign-up gate, as stored (the code itself only as its hash). */
export interface GateCodeRecord {
  codeHash: string
  /** Lower-cased handle the code was issued for. */
  handle: string
  state: string
  expiresAt: string
}

/** Where issued gate codes live; shared by every instance (the Postgres one in production). */
export interface GateCodeStore {
  put(rec: GateCodeRecord): Promise<void>
  /** Removes and returns the code's record: a second `take` of the same code finds nothing. */
  take(codeHash: string): Promise<GateCodeRecord | undefined>
  /** Drops codes that expired before `now` (ISO 8601). */
  purgeExpired(now: string): Promise<void>
}

/** In-process store: tests and single-process setups. */
export class MemoryGateCodeStore implements GateCodeStore {
  private readonly rows = new Map<string, GateCodeRecord>()
  async put(rec: GateCodeRecord): Promise<void> {
    this.rows.set(rec.codeHash, { ...rec })
  }
  async take(codeHash: string): Promise<GateCodeRecord | undefined> {
    const rec = this.rows.get(codeHash)
    this.rows.delete(codeHash)
    return rec
  }
  async purgeExpired(now: string): Promise<void> {
    for (const [k, r] of this.rows) if (r.expiresAt < now) this.rows.delete(k)
  }
}
