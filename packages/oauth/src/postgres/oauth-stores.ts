import { sql } from 'kysely'
import type { EntrywayDb } from '@entryway/db'
import type {
  AuthorizedClientData,
  ClientId,
  LexiconStore,
  OAuthAuthorizedClientStore,
  OAuthReplayStore,
  OAuthScopeRefStore,
  OAuthStores,
} from '../index.js'
import type { LexiconData } from '@atproto/oauth-provider/store'
import { KyselyOAuthRequestStore } from './oauth-request-store.js'
import { KyselyOAuthDeviceAccountStore, KyselyOAuthDeviceStore } from './oauth-device-store.js'
import { KyselyOAuthTokenStore } from './oauth-token-store.js'

/** Expired replay rows are purged once in this many inserts. */
export const OAUTH_REPLAY_PURGE_EVERY = 200

/** Every OAuth store on the Entryway's database. */
export function createKyselyOAuthStores(db: EntrywayDb): OAuthStores {
  return {
    requests: new KyselyOAuthRequestStore(db),
    devices: new KyselyOAuthDeviceStore(db),
    deviceAccounts: new KyselyOAuthDeviceAccountStore(db),
    authorizedClients: new KyselyOAuthAuthorizedClientStore(db),
    tokens: new KyselyOAuthTokenStore(db),
    lexicons: new KyselyOAuthLexiconStore(db),
    replay: new KyselyOAuthReplayStore(db),
    scopeRefs: new KyselyOAuthScopeRefStore(db),
  }
}

export class KyselyOAuthAuthorizedClientStore implements OAuthAuthorizedClientStore {
  constructor(private readonly db: EntrywayDb) {}

  async setAuthorizedClient(
    did: string,
    clientId: ClientId,
    data: AuthorizedClientData,
  ): Promise<void> {
    const now = new Date().toISOString()
    const json = JSON.stringify({ authorizedScopes: [...data.authorizedScopes] })
    await this.db
      .insertInto('oauth_authorized_client')
      .values({ did, clientId, data: json, createdAt: now, updatedAt: now })
      .onConflict((oc) =>
        oc.columns(['did', 'clientId']).doUpdateSet({ data: json, updatedAt: now }),
      )
      .execute()
  }

  async listAuthorizedClients(
    dids: readonly string[],
  ): Promise<Map<string, Map<ClientId, AuthorizedClientData>>> {
    const out = new Map<string, Map<ClientId, AuthorizedClientData>>(
      dids.map((d) => [d, new Map()]),
    )
    if (dids.length === 0) return out
    const rows = await this.db
      .selectFrom('oauth_authorized_client')
      .selectAll()
      .where('did', 'in', [...dids])
      .execute()
    for (const r of rows) out.get(r.did)?.set(r.clientId, JSON.parse(r.data))
    return out
  }
}

export class KyselyOAuthLexiconStore implements LexiconStore {
  constructor(private readonly db: EntrywayDb) {}

  async findLexicon(nsid: string): Promise<LexiconData | null> {
    const r = await this.db
      .selectFrom('oauth_lexicon')
      .selectAll()
      .where('nsid', '=', nsid)
      .executeTakeFirst()
    if (!r) return null
    return {
      uri: r.uri,
      lexicon: r.lexicon ? JSON.parse(r.lexicon) : null,
      createdAt: new Date(r.createdAt),
      updatedAt: new Date(r.updatedAt),
      lastSucceededAt: r.lastSucceededAt ? new Date(r.lastSucceededAt) : null,
    }
  }

  async storeLexicon(nsid: string, data: LexiconData): Promise<void> {
    const row = {
      uri: data.uri,
      lexicon: data.lexicon ? JSON.stringify(data.lexicon) : null,
      createdAt: data.createdAt.toISOString(),
      updatedAt: data.updatedAt.toISOString(),
      lastSucceededAt: data.lastSucceededAt ? data.lastSucceededAt.toISOString() : null,
    }
    await this.db
      .insertInto('oauth_lexicon')
      .values({ nsid, ...row })
      .onConflict((oc) => oc.column('nsid').doUpdateSet(row))
      .execute()
  }

  async deleteLexicon(nsid: string): Promise<void> {
    await this.db.deleteFrom('oauth_lexicon').where('nsid', '=', nsid).execute()
  }
}

/** DPoP `jti`s, client assertions and code challenges: unique across every instance. */
export class KyselyOAuthReplayStore implements OAuthReplayStore {
  private inserts = 0
  constructor(private readonly db: EntrywayDb) {}

  async unique(namespace: string, nonce: string, timeFrame: number): Promise<boolean> {
    const now = new Date()
    const expiresAt = new Date(now.getTime() + timeFrame).toISOString()
    if (++this.inserts % OAUTH_REPLAY_PURGE_EVERY === 0) {
      await this.db.deleteFrom('oauth_replay').where('expiresAt', '<', now.toISOString()).execute()
    }
    // Inserted, or the earlier use has expired: unique. A live earlier use: a replay.
    const row = await this.db
      .insertInto('oauth_replay')
      .values({ namespace, nonce, expiresAt })
      .onConflict((oc) =>
        oc
          .columns(['namespace', 'nonce'])
          .doUpdateSet({ expiresAt })
          .where(sql.ref('oauth_replay.expires_at'), '<', now.toISOString()),
      )
      .returning('nonce')
      .executeTakeFirst()
    return row !== undefined
  }
}

export class KyselyOAuthScopeRefStore implements OAuthScopeRefStore {
  constructor(private readonly db: EntrywayDb) {}

  async putScope(id: string, scope: string): Promise<void> {
    await this.db
      .insertInto('oauth_scope_ref')
      .values({ id, scope, createdAt: new Date().toISOString() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
  }

  async getScope(id: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('oauth_scope_ref')
      .select('scope')
      .where('id', '=', id)
      .executeTakeFirst()
    return r?.scope ?? null
  }
}
