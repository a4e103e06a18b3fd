import type { AccountDirectory, AccountPage, PlacedAccount } from './account-directory.js'
import {
  inviteAvailable,
  type InviteCodeRecord,
  type InvitePage,
  type InviteStore,
  type NewInviteCode,
} from './invite-store.js'
import {
  LIVE_SIGNUP_STATES,
  type BeginResult,
  type CompleteResult,
  type NewAccount,
  type NewSignup,
  type SignupPatch,
  type SignupRecord,
  type SignupState,
  type SignupStore,
} from './signup-store.js'

/**
 * Accounts, sign-ups and invites in memory, for tests and single-process demos. Each method runs
 * without awaiting in between, so it is atomic like the database transaction it stands for.
 */
export class MemoryPlacementStore implements SignupStore, AccountDirectory, InviteStore {
  readonly accounts = new Map<string, PlacedAccount>()
  readonly signups = new Map<string, SignupRecord>()
  readonly invites = new Map<string, InviteCodeRecord>()
  /** Set to make `complete` fail as a database outage would. */
  failComplete: Error | null = null

  /** Accounts (and live sign-ups) per host id, for `MemoryHostRegistry`. */
  counts(): Map<number, number> {
    const m = new Map<number, number>()
    for (const a of this.accounts.values()) m.set(a.hostId, (m.get(a.hostId) ?? 0) + 1)
    for (const s of this.signups.values()) {
      if (s.hostId !== null && isLive(s.state)) m.set(s.hostId, (m.get(s.hostId) ?? 0) + 1)
    }
    return m
  }

  // --- SignupStore

  async begin(s: NewSignup): Promise<BeginResult> {
    const live = [...this.signups.values()].filter((r) => isLive(r.state))
    const handleLive = live.find((r) => r.handle === s.handle) ?? null
    if (handleLive || this.handleHeld(s.handle))
      return { ok: false, conflict: 'handle', live: handleLive && { ...handleLive } }
    const emailLive = live.find((r) => r.email === s.email) ?? null
    if (emailLive || this.emailHeld(s.email))
      return { ok: false, conflict: 'email', live: emailLive && { ...emailLive } }
    const now = new Date().toISOString()
    this.signups.set(s.id, {
      ...s,
      did: null,
      hostId: null,
      signingKey: null,
      plcOp: null,
      state: 'pending',
      error: null,
      createdAt: now,
      updatedAt: now,
    })
    return { ok: true }
  }

  async get(id: string): Promise<SignupRecord | null> {
    const r = this.signups.get(id)
    return r ? { ...r } : null
  }

  async findByRequestKey(requestKey: string): Promise<SignupRecord | null> {
    const rows = [...this.signups.values()].filter((r) => r.requestKey === requestKey)
    rows.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    return rows[0] ? { ...rows[0] } : null
  }

  async advance(id: string, from: SignupState, patch: SignupPatch): Promise<boolean> {
    const r = this.signups.get(id)
    if (!r || r.state !== from) return false
    Object.assign(r, patch, { updatedAt: new Date().toISOString() })
    return true
  }

  async complete(
    id: string,
    from: SignupState,
    a: NewAccount,
    inviteCode: string | null,
  ): Promise<CompleteResult> {
    if (this.failComplete) throw this.failComplete
    const r = this.signups.get(id)
    if (!r || r.state !== from) return 'stale'
    if (this.handleHeld(a.handle)) return 'handle_taken'
    if (this.emailHeld(a.email)) return 'email_taken'
    const now = new Date().toISOString()
    if (inviteCode) {
      const invite = this.invites.get(inviteCode)
      if (!invite || !inviteAvailable(invite)) return 'invite_unavailable'
      invite.uses.push({ usedBy: a.did, usedAt: now })
    }
    this.accounts.set(a.did, {
      did: a.did,
      handle: a.handle,
      email: a.email,
      hostId: a.hostId,
      status: 'active',
      invitesDisabled: false,
      createdAt: now,
    })
    Object.assign(r, { state: 'complete', updatedAt: now })
    return 'ok'
  }

  async listStale(before: string, limit: number): Promise<SignupRecord[]> {
    return [...this.signups.values()]
      .filter((r) => isLive(r.state) && r.updatedAt < before)
      .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : 1))
      .slice(0, limit)
      .map((r) => ({ ...r }))
  }

  // --- AccountDirectory

  async getByHandle(handle: string): Promise<PlacedAccount | null> {
    const a = [...this.accounts.values()].find((x) => x.handle === handle && x.status !== 'deleted')
    return a ? { ...a } : null
  }

  async getByDid(did: string): Promise<PlacedAccount | null> {
    const a = this.accounts.get(did)
    return a ? { ...a } : null
  }

  async isHandleTaken(handle: string): Promise<boolean> {
    return (
      this.handleHeld(handle) ||
      [...this.signups.values()].some((r) => isLive(r.state) && r.handle === handle)
    )
  }

  async isEmailTaken(email: string): Promise<boolean> {
    return (
      this.emailHeld(email) ||
      [...this.signups.values()].some((r) => isLive(r.state) && r.email === email)
    )
  }

  async setInvitesDisabled(did: string, disabled: boolean): Promise<boolean> {
    const a = this.accounts.get(did)
    if (!a || a.status === 'deleted') return false
    a.invitesDisabled = disabled
    return true
  }

  async setHandle(did: string, handle: string): Promise<'ok' | 'taken'> {
    const a = this.accounts.get(did)
    if (!a) return 'ok'
    const other = [...this.accounts.values()].some((x) => x.handle === handle && x.did !== did)
    if (other || [...this.signups.values()].some((r) => isLive(r.state) && r.handle === handle))
      return 'taken'
    a.handle = handle
    return 'ok'
  }

  async list(opts: { hostId?: number; limit: number; cursor?: string }): Promise<AccountPage> {
    const all = [...this.accounts.values()]
      .filter((a) => opts.hostId === undefined || a.hostId === opts.hostId)
      .filter((a) => opts.cursor === undefined || a.did > opts.cursor)
      .sort((a, b) => (a.did < b.did ? -1 : 1))
    const page = all.slice(0, opts.limit).map((a) => ({ ...a }))
    return { accounts: page, ...(all.length > opts.limit ? { cursor: page.at(-1)!.did } : {}) }
  }

  // --- InviteStore

  async createCodes(codes: NewInviteCode[]): Promise<void> {
    const now = new Date().toISOString()
    for (const c of codes)
      this.invites.set(c.code, { ...c, disabled: false, createdAt: now, uses: [] })
  }

  async listForAccount(did: string, opts: { includeUsed: boolean }): Promise<InviteCodeRecord[]> {
    return [...this.invites.values()]
      .filter((c) => c.forAccount === did && (opts.includeUsed || inviteAvailable(c)))
      .map(copyInvite)
  }

  async getCode(code: string): Promise<InviteCodeRecord | null> {
    const c = this.invites.get(code)
    return c ? copyInvite(c) : null
  }

  async listCodes(opts: {
    sort: 'recent' | 'usage'
    limit: number
    cursor?: string
  }): Promise<InvitePage> {
    const all = [...this.invites.values()].sort((a, b) =>
      opts.sort === 'usage'
        ? b.uses.length - a.uses.length || (a.code < b.code ? -1 : 1)
        : b.createdAt.localeCompare(a.createdAt) || (a.code < b.code ? -1 : 1),
    )
    const start = opts.cursor ? Number.parseInt(opts.cursor, 10) || 0 : 0
    const page = all.slice(start, start + opts.limit).map(copyInvite)
    return {
      codes: page,
      ...(start + opts.limit < all.length ? { cursor: String(start + opts.limit) } : {}),
    }
  }

  async disableCodes(opts: { codes: string[]; accounts: string[] }): Promise<void> {
    for (const c of this.invites.values()) {
      if (opts.codes.includes(c.code) || opts.accounts.includes(c.forAccount)) c.disabled = true
    }
  }

  private handleHeld(handle: string): boolean {
    return [...this.accounts.values()].some((a) => a.handle === handle)
  }

  private emailHeld(email: string): boolean {
    return [...this.accounts.values()].some((a) => a.email === email)
  }
}

function isLive(s: SignupState): boolean {
  return LIVE_SIGNUP_STATES.includes(s)
}

function copyInvite(c: InviteCodeRecord): InviteCodeRecord {
  return { ...c, uses: c.uses.map((u) => ({ ...u })) }
}
