import type { FastifyInstance } from 'fastify'
import type { AccountSession, AccountSessionPage, AccountSessions } from '@entryway/admin-rbac'
import type { EntrywayDb } from '@entryway/db'
import { KyselyRefreshTokenStore } from '@entryway/session/postgres'

const DAY = 24 * 60 * 60 * 1000
/**
 * The OAuth provider's outer bounds on a grant (oauth-provider's SESSION_LIFETIME_EXTENDED and
 * REFRESH_LIFETIME_EXTENDED): past either, the grant cannot be refreshed whatever the client.
 */
const OAUTH_SESSION_MAX_MS = 2 * 365 * DAY
const OAUTH_REFRESH_MAX_MS = 90 * DAY

const REFRESH = 'refresh:'
const OAUTH = 'oauth:'
const DEVICE = 'device:'

export interface KyselyAccountSessionsOptions {
  /** Ends every session of an account (refresh tokens and the OAuth provider's). */
  revokeAll(did: string): Promise<void>
  /** @default Date.now */
  now?: () => number
}

/**
 * The sessions the Entryway issued an account, for the admin portal: live refresh tokens (legacy
 * and app-password sessions; the head of each rotation chain), OAuth grants and OAuth sign-ins
 * of a browser. Ids carry their kind, and every revocation is limited to the account's own rows.
 */
export class KyselyAccountSessions implements AccountSessions {
  private readonly now: () => number
  constructor(
    private readonly db: EntrywayDb,
    private readonly o: KyselyAccountSessionsOptions,
  ) {
    this.now = o.now ?? Date.now
  }

  async list(did: string, page: { limit: number; offset: number }): Promise<AccountSessionPage> {
    // each source newest first, enough of each for this page; merged and cut here
    const n = page.offset + page.limit + 1
    const now = this.now()
    const iso = new Date(now).toISOString()
    const [refresh, oauth, devices] = await Promise.all([
      this.db
        .selectFrom('refresh_token')
        .select(['id', 'appPasswordName', 'createdAt', 'expiresAt'])
        .where('did', '=', did)
        .where('nextId', 'is', null)
        .where('expiresAt', '>', iso)
        .orderBy('createdAt', 'desc')
        .limit(n)
        .execute(),
      this.db
        .selectFrom('oauth_token')
        .select(['id', 'clientId', 'createdAt', 'updatedAt'])
        .where('did', '=', did)
        .where('currentRefreshToken', 'is not', null)
        .where('createdAt', '>', new Date(now - OAUTH_SESSION_MAX_MS).toISOString())
        .where('updatedAt', '>', new Date(now - OAUTH_REFRESH_MAX_MS).toISOString())
        .orderBy('createdAt', 'desc')
        .limit(n)
        .execute(),
      this.db
        .selectFrom('oauth_device_account as da')
        .innerJoin('oauth_device as d', 'd.id', 'da.deviceId')
        .select(['da.deviceId', 'da.createdAt', 'd.userAgent', 'd.lastSeenAt'])
        .where('da.did', '=', did)
        .orderBy('da.createdAt', 'desc')
        .limit(n)
        .execute(),
    ])
    const all: AccountSession[] = [
      ...refresh.map((r) => ({
        id: REFRESH + r.id,
        kind: r.appPasswordName === null ? ('password' as const) : ('app-password' as const),
        name: r.appPasswordName,
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
        lastUsedAt: null,
      })),
      ...oauth.map((r) => ({
        id: OAUTH + r.id,
        kind: 'oauth' as const,
        name: r.clientId,
        createdAt: r.createdAt,
        expiresAt: null,
        lastUsedAt: r.updatedAt,
      })),
      ...devices.map((r) => ({
        id: DEVICE + r.deviceId,
        kind: 'oauth-device' as const,
        name: r.userAgent,
        createdAt: r.createdAt,
        expiresAt: null,
        lastUsedAt: r.lastSeenAt,
      })),
    ].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    const sessions = all.slice(page.offset, page.offset + page.limit)
    return { sessions, more: all.length > page.offset + sessions.length }
  }

  async revoke(did: string, id: string): Promise<boolean> {
    if (id.startsWith(REFRESH)) {
      const jti = id.slice(REFRESH.length)
      // the token and the used ones whose successor it is (still good for the grace window)
      const res = await this.db
        .deleteFrom('refresh_token')
        .where('did', '=', did)
        .where((eb) => eb.or([eb('id', '=', jti), eb('nextId', '=', jti)]))
        .execute()
      return res.some((r) => Number(r.numDeletedRows) > 0)
    }
    if (id.startsWith(OAUTH)) {
      const res = await this.db
        .deleteFrom('oauth_token')
        .where('did', '=', did)
        .where('id', '=', id.slice(OAUTH.length))
        .executeTakeFirst()
      return Number(res.numDeletedRows) > 0
    }
    if (id.startsWith(DEVICE)) {
      const res = await this.db
        .deleteFrom('oauth_device_account')
        .where('did', '=', did)
        .where('deviceId', '=', id.slice(DEVICE.length))
        .executeTakeFirst()
      return Number(res.numDeletedRows) > 0
    }
    return false
  }

  revokeAll(did: string): Promise<void> {
    return this.o.revokeAll(did)
  }
}

/**
 * The admin portal's view of the gateway's sessions. "Sign out everywhere" ends them as a password
 * reset does: refresh tokens here, then the OAuth provider's grants and sign-ins.
 */
export function gatewayAccountSessions(app: FastifyInstance, db: EntrywayDb): AccountSessions {
  const refreshTokens = new KyselyRefreshTokenStore(db)
  return new KyselyAccountSessions(db, {
    async revokeAll(did) {
      await refreshTokens.revokeByDid(did)
      if (app.hasDecorator('entrywayOAuth')) await app.entrywayOAuth.revokeAccountSessions(did)
    },
  })
}
