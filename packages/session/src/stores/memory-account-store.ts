import type { AccountSearchPage, AccountStore, SessionAccount } from '../account-store.js'

/** In-memory AccountStore for tests; `add` stands in for placement's inserts. */
export class MemoryAccountStore implements AccountStore {
  private readonly byDid = new Map<string, SessionAccount>()

  add(account: SessionAccount): void {
    this.byDid.set(account.did, { ...account, host: { ...account.host } })
  }

  /** The raw row, deleted ones included (test inspection). */
  peek(did: string): SessionAccount | undefined {
    return this.byDid.get(did)
  }

  async getByDid(did: string): Promise<SessionAccount | null> {
    const a = this.byDid.get(did)
    return a && a.status !== 'deleted' ? structuredClone(a) : null
  }

  async findByIdentifier(identifier: string): Promise<SessionAccount | null> {
    const id = identifier.toLowerCase()
    for (const a of this.byDid.values()) {
      if (a.status === 'deleted') continue
      if (a.did === id || a.handle === id || (a.email !== null && a.email === id))
        return structuredClone(a)
    }
    return null
  }

  async updatePassword(did: string, passwordScrypt: string): Promise<void> {
    this.mutate(did, (a) => (a.passwordScrypt = passwordScrypt))
  }

  async updateEmail(did: string, email: string): Promise<'ok' | 'taken'> {
    const e = email.toLowerCase()
    for (const a of this.byDid.values()) if (a.did !== did && a.email === e) return 'taken'
    this.mutate(did, (a) => {
      a.email = e
      a.emailConfirmedAt = null
      a.emailAuthFactor = false
    })
    return 'ok'
  }

  async confirmEmail(did: string, at: string): Promise<void> {
    this.mutate(did, (a) => (a.emailConfirmedAt = at))
  }

  async setEmailAuthFactor(did: string, enabled: boolean): Promise<void> {
    this.mutate(did, (a) => (a.emailAuthFactor = enabled))
  }

  async setDeactivated(did: string, deactivated: boolean, at: string): Promise<void> {
    this.mutate(did, (a) => {
      a.deactivatedAt = deactivated ? at : null
      if (a.status !== 'takendown') a.status = deactivated ? 'deactivated' : 'active'
    })
  }

  async markDeleted(did: string): Promise<void> {
    this.mutate(did, (a) => (a.status = 'deleted'))
  }

  async setTakedown(did: string, takedownRef: string | null): Promise<void> {
    this.mutate(did, (a) => {
      if (a.status === 'deleted') return
      a.takedownRef = takedownRef
      a.status = takedownRef !== null ? 'takendown' : a.deactivatedAt ? 'deactivated' : 'active'
    })
  }

  async search(opts: {
    prefix?: string
    limit: number
    cursor?: string
  }): Promise<AccountSearchPage> {
    const prefix = opts.prefix?.trim().toLowerCase()
    const all = [...this.byDid.values()]
      .filter((a) => a.status !== 'deleted' && (!opts.cursor || a.did > opts.cursor))
      .filter((a) => !prefix || a.handle.startsWith(prefix) || (a.email ?? '').startsWith(prefix))
      .sort((x, y) => (x.did < y.did ? -1 : 1))
    const accounts = all.slice(0, opts.limit).map((a) => structuredClone(a))
    return all.length > opts.limit
      ? { accounts, cursor: accounts[accounts.length - 1]!.did }
      : { accounts }
  }

  private mutate(did: string, fn: (a: SessionAccount) => void): void {
    const a = this.byDid.get(did)
    if (a) fn(a)
  }
}
