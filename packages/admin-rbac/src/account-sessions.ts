import type { XrpcAnswer, XrpcCall } from './upstream.js'

/** Ends one session of an account (a refresh-token chain, an OAuth grant, an OAuth sign-in). */
export const REVOKE_ACCOUNT_SESSION = 'com.entryway.admin.revokeAccountSession'
/** Ends every session of an account, as a password reset does. */
export const REVOKE_ACCOUNT_SESSIONS = 'com.entryway.admin.revokeAccountSessions'

/**
 * `password` and `app-password`: a legacy session (a refresh token from createSession). `oauth`:
 * an OAuth client's grant (its tokens). `oauth-device`: a browser signed in on the OAuth
 * authorization pages.
 */
export type AccountSessionKind = 'password' | 'app-password' | 'oauth' | 'oauth-device'

export interface AccountSession {
  /** Opaque; what `revoke` takes. Unique among the account's sessions. */
  id: string
  kind: AccountSessionKind
  /** The app password's name, the OAuth client id, or the device's user agent; null otherwise. */
  name: string | null
  /** When it began (a legacy session: when its current refresh token was issued). */
  createdAt: string
  /** Null when it has no end of its own. */
  expiresAt: string | null
  /** Null when unknown. */
  lastUsedAt: string | null
}

/** One page of an account's sessions, newest first. */
export interface AccountSessionPage {
  sessions: AccountSession[]
  /** More after this page. */
  more: boolean
}

/**
 * The sessions the Entryway issued an account, for the account page: the app implements it over
 * its stores (refresh tokens, the OAuth provider's), so the portal depends on no session package.
 */
export interface AccountSessions {
  /** The account's live sessions, newest first. */
  list(did: string, page: { limit: number; offset: number }): Promise<AccountSessionPage>
  /** Ends the session `id` if it is the account's; false when there is none. */
  revoke(did: string, id: string): Promise<boolean>
  /** Ends every session of the account. */
  revokeAll(did: string): Promise<void>
}

/** For tests and single-process setups: sessions as given, `now` deciding which are live. */
export class MemoryAccountSessions implements AccountSessions {
  private readonly byDid = new Map<string, AccountSession[]>()
  constructor(private readonly now: () => Date = () => new Date()) {}

  add(did: string, s: AccountSession): void {
    this.byDid.set(did, [...(this.byDid.get(did) ?? []), s])
  }

  async list(did: string, page: { limit: number; offset: number }): Promise<AccountSessionPage> {
    const now = this.now().toISOString()
    const live = (this.byDid.get(did) ?? [])
      .filter((s) => s.expiresAt === null || s.expiresAt > now)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    const sessions = live.slice(page.offset, page.offset + page.limit)
    return { sessions, more: live.length > page.offset + sessions.length }
  }

  async revoke(did: string, id: string): Promise<boolean> {
    const all = this.byDid.get(did) ?? []
    const kept = all.filter((s) => s.id !== id)
    this.byDid.set(did, kept)
    return kept.length < all.length
  }

  async revokeAll(did: string): Promise<void> {
    this.byDid.delete(did)
  }
}

/**
 * Serves the portal's own session actions from `sessions` (no upstream): the answer is shaped
 * like an XRPC one, so the result page and the audit row read it as any other.
 */
export async function serveSessionAction(
  sessions: AccountSessions | null,
  nsid: string,
  call: XrpcCall,
): Promise<XrpcAnswer> {
  if (!sessions)
    return {
      status: 501,
      body: { error: 'MethodNotImplemented', message: 'sessions are not available here' },
    }
  const body = (call.body ?? {}) as { did?: string; session?: string }
  const did = body.did ?? ''
  if (nsid === REVOKE_ACCOUNT_SESSION) {
    const ok = await sessions.revoke(did, body.session ?? '')
    return ok
      ? { status: 200, body: { revoked: true } }
      : {
          status: 404,
          body: { error: 'SessionNotFound', message: 'no such session of this account' },
        }
  }
  if (nsid === REVOKE_ACCOUNT_SESSIONS) {
    await sessions.revokeAll(did)
    return { status: 200, body: { revoked: 'all' } }
  }
  return { status: 501, body: { error: 'MethodNotImplemented', message: `no ${nsid} here` } }
}
