import type { Selectable, Updateable } from 'kysely'
import type { EntrywayDb, OAuthRequest } from '@entryway/db'
import type { OAuthRequestStore } from '../index.js'
import type {
  Code,
  FoundRequestResult,
  RequestData,
  RequestId,
  UpdateRequestData,
} from '@atproto/oauth-provider/store'

/** Expired requests are kept this long (the provider tells "expired" from "unknown"), then purged. */
export const OAUTH_REQUEST_RETENTION_MS = 60 * 60 * 1000

/** Pending authorization requests in Postgres: a flow started on one instance continues on any. */
export class KyselyOAuthRequestStore implements OAuthRequestStore {
  constructor(private readonly db: EntrywayDb) {}

  async createRequest(id: RequestId, data: RequestData): Promise<void> {
    await this.db
      .deleteFrom('oauth_request')
      .where('expiresAt', '<', new Date(Date.now() - OAUTH_REQUEST_RETENTION_MS).toISOString())
      .execute()
    await this.db
      .insertInto('oauth_request')
      .values({
        id,
        clientId: data.clientId,
        clientAuth: data.clientAuth ? JSON.stringify(data.clientAuth) : null,
        parameters: JSON.stringify(data.parameters),
        expiresAt: data.expiresAt.toISOString(),
        deviceId: data.deviceId,
        did: data.did,
        code: data.code,
      })
      .execute()
  }

  async readRequest(id: RequestId): Promise<RequestData | null> {
    const row = await this.db
      .selectFrom('oauth_request')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toRequestData(row) : null
  }

  async updateRequest(id: RequestId, data: UpdateRequestData): Promise<void> {
    const set: Updateable<OAuthRequest> = {}
    if (data.did !== undefined) set.did = data.did
    if (data.code !== undefined) set.code = data.code
    if (data.deviceId !== undefined) set.deviceId = data.deviceId
    if (data.expiresAt !== undefined) set.expiresAt = data.expiresAt.toISOString()
    if (data.parameters !== undefined) set.parameters = JSON.stringify(data.parameters)
    if (Object.keys(set).length === 0) return
    await this.db.updateTable('oauth_request').set(set).where('id', '=', id).execute()
  }

  async deleteRequest(id: RequestId): Promise<void> {
    await this.db.deleteFrom('oauth_request').where('id', '=', id).execute()
  }

  /** One statement: of two concurrent exchanges of a code, exactly one gets the row. */
  async consumeRequestCode(code: Code): Promise<FoundRequestResult | null> {
    const row = await this.db
      .deleteFrom('oauth_request')
      .where('code', '=', code)
      .returningAll()
      .executeTakeFirst()
    return row ? { requestId: row.id as RequestId, data: toRequestData(row) } : null
  }
}

function toRequestData(row: Selectable<OAuthRequest>): RequestData {
  return {
    clientId: row.clientId,
    clientAuth: row.clientAuth ? JSON.parse(row.clientAuth) : null,
    parameters: JSON.parse(row.parameters),
    expiresAt: new Date(row.expiresAt),
    deviceId: row.deviceId as RequestData['deviceId'],
    did: row.did as RequestData['did'],
    code: row.code as RequestData['code'],
  }
}
