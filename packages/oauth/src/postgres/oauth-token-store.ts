import type { Selectable } from 'kysely'
import type { EntrywayDb, OAuthToken } from '@entryway/db'
import type {
  Code,
  CreateTokenData,
  NewTokenData,
  OAuthTokenRecord,
  OAuthTokenStore,
  RefreshToken,
  TokenId,
} from '../index.js'

/**
 * OAuth sessions in Postgres. A rotated-out refresh token is kept in `oauth_used_refresh_token`
 * (cascading with the session), so presenting it again finds the session and the provider revokes it.
 */
export class KyselyOAuthTokenStore implements OAuthTokenStore {
  constructor(private readonly db: EntrywayDb) {}

  async createToken(
    id: TokenId,
    data: CreateTokenData,
    refreshToken?: RefreshToken,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (refreshToken) {
        const used = await tx
          .selectFrom('oauth_used_refresh_token')
          .select('tokenId')
          .where('refreshToken', '=', refreshToken)
          .executeTakeFirst()
        if (used) throw new Error('Refresh token already in use')
      }
      await tx
        .insertInto('oauth_token')
        .values({
          id,
          did: data.did,
          clientId: data.clientId,
          clientAuth: JSON.stringify(data.clientAuth),
          deviceId: data.deviceId,
          parameters: JSON.stringify(data.parameters),
          details: data.details ? JSON.stringify(data.details) : null,
          scope: data.scope,
          code: data.code,
          currentRefreshToken: refreshToken ?? null,
          createdAt: data.createdAt.toISOString(),
          updatedAt: data.updatedAt.toISOString(),
          expiresAt: data.expiresAt.toISOString(),
        })
        .execute()
    })
  }

  async readToken(id: TokenId): Promise<OAuthTokenRecord | null> {
    const row = await this.db
      .selectFrom('oauth_token')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async deleteToken(id: TokenId): Promise<void> {
    await this.db.deleteFrom('oauth_token').where('id', '=', id).execute()
  }

  async rotateToken(
    id: TokenId,
    newId: TokenId,
    newRefreshToken: RefreshToken,
    newData: NewTokenData,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const cur = await tx
        .selectFrom('oauth_token')
        .select(['id', 'currentRefreshToken'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst()
      if (!cur) throw new Error('Token not found')
      const reused = await tx
        .selectFrom('oauth_used_refresh_token')
        .select('tokenId')
        .where('refreshToken', '=', newRefreshToken)
        .executeTakeFirst()
      if (reused) throw new Error('New refresh token already in use')
      // The id changes: used refresh tokens follow through ON UPDATE CASCADE.
      await tx
        .updateTable('oauth_token')
        .set({
          id: newId,
          currentRefreshToken: newRefreshToken,
          clientAuth: JSON.stringify(newData.clientAuth),
          expiresAt: newData.expiresAt.toISOString(),
          updatedAt: newData.updatedAt.toISOString(),
          scope: newData.scope,
        })
        .where('id', '=', id)
        .execute()
      if (cur.currentRefreshToken) {
        await tx
          .insertInto('oauth_used_refresh_token')
          .values({ refreshToken: cur.currentRefreshToken, tokenId: newId })
          .execute()
      }
    })
  }

  async findTokenByRefreshToken(refreshToken: RefreshToken): Promise<OAuthTokenRecord | null> {
    const used = await this.db
      .selectFrom('oauth_used_refresh_token')
      .select('tokenId')
      .where('refreshToken', '=', refreshToken)
      .executeTakeFirst()
    const q = this.db.selectFrom('oauth_token').selectAll()
    const row = await (
      used ? q.where('id', '=', used.tokenId) : q.where('currentRefreshToken', '=', refreshToken)
    ).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async findTokenByCode(code: Code): Promise<OAuthTokenRecord | null> {
    const row = await this.db
      .selectFrom('oauth_token')
      .selectAll()
      .where('code', '=', code)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async listAccountTokens(did: string): Promise<OAuthTokenRecord[]> {
    const rows = await this.db
      .selectFrom('oauth_token')
      .selectAll()
      .where('did', '=', did)
      .orderBy('updatedAt', 'desc')
      .execute()
    return rows.map(toRecord)
  }

  async deleteAccountTokens(did: string): Promise<number> {
    const res = await this.db.deleteFrom('oauth_token').where('did', '=', did).executeTakeFirst()
    return Number(res.numDeletedRows)
  }
}

function toRecord(row: Selectable<OAuthToken>): OAuthTokenRecord {
  return {
    id: row.id as TokenId,
    currentRefreshToken: row.currentRefreshToken as RefreshToken | null,
    data: {
      did: row.did as OAuthTokenRecord['data']['did'],
      clientId: row.clientId,
      clientAuth: JSON.parse(row.clientAuth),
      deviceId: row.deviceId as OAuthTokenRecord['data']['deviceId'],
      parameters: JSON.parse(row.parameters),
      details: null,
      scope: row.scope,
      code: row.code as Code | null,
      createdAt: new Date(row.createdAt),
      updatedAt: new Date(row.updatedAt),
      expiresAt: new Date(row.expiresAt),
    },
  }
}
