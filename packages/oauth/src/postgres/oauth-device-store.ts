import type { Selectable, Updateable } from 'kysely'
import type { EntrywayDb, OAuthDevice, OAuthDeviceAccount } from '@entryway/db'
import type {
  DeviceData,
  DeviceId,
  OAuthDeviceAccountRecord,
  OAuthDeviceAccountStore,
  OAuthDeviceStore,
} from '../index.js'

/** Browser devices (the provider's device cookie), shared by every instance. */
export class KyselyOAuthDeviceStore implements OAuthDeviceStore {
  constructor(private readonly db: EntrywayDb) {}

  async createDevice(id: DeviceId, data: DeviceData): Promise<void> {
    await this.db
      .insertInto('oauth_device')
      .values({
        id,
        sessionId: data.sessionId,
        userAgent: data.userAgent,
        ipAddress: data.ipAddress,
        lastSeenAt: data.lastSeenAt.toISOString(),
      })
      .execute()
  }

  async readDevice(id: DeviceId): Promise<DeviceData | null> {
    const row = await this.db
      .selectFrom('oauth_device')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toDeviceData(row) : null
  }

  async updateDevice(id: DeviceId, data: Partial<DeviceData>): Promise<void> {
    const set: Updateable<OAuthDevice> = {}
    if (data.sessionId !== undefined) set.sessionId = data.sessionId
    if (data.userAgent !== undefined) set.userAgent = data.userAgent
    if (data.ipAddress !== undefined) set.ipAddress = data.ipAddress
    if (data.lastSeenAt !== undefined) set.lastSeenAt = data.lastSeenAt.toISOString()
    if (Object.keys(set).length === 0) return
    await this.db.updateTable('oauth_device').set(set).where('id', '=', id).execute()
  }

  /** Cascades to the device's signed-in accounts. */
  async deleteDevice(id: DeviceId): Promise<void> {
    await this.db.deleteFrom('oauth_device').where('id', '=', id).execute()
  }
}

/** Which accounts are signed in on which device (the account chooser and the account page). */
export class KyselyOAuthDeviceAccountStore implements OAuthDeviceAccountStore {
  constructor(private readonly db: EntrywayDb) {}

  async upsertDeviceAccount(deviceId: DeviceId, did: string): Promise<void> {
    const now = new Date().toISOString()
    await this.db
      .insertInto('oauth_device_account')
      .values({ deviceId, did, createdAt: now, updatedAt: now })
      .onConflict((oc) => oc.columns(['deviceId', 'did']).doUpdateSet({ updatedAt: now }))
      .execute()
  }

  async getDeviceAccount(
    deviceId: DeviceId,
    did: string,
  ): Promise<OAuthDeviceAccountRecord | null> {
    const [row] = await this.select()
      .where('da.deviceId', '=', deviceId)
      .where('da.did', '=', did)
      .execute()
    return row ? toRecord(row) : null
  }

  async removeDeviceAccount(deviceId: DeviceId, did: string): Promise<void> {
    await this.db
      .deleteFrom('oauth_device_account')
      .where('deviceId', '=', deviceId)
      .where('did', '=', did)
      .execute()
  }

  async listDeviceAccounts(
    filter: { did: string } | { deviceId: DeviceId },
  ): Promise<OAuthDeviceAccountRecord[]> {
    const q =
      'did' in filter
        ? this.select().where('da.did', '=', filter.did)
        : this.select().where('da.deviceId', '=', filter.deviceId)
    return (await q.orderBy('da.updatedAt', 'desc').execute()).map(toRecord)
  }

  async removeAccount(did: string): Promise<void> {
    await this.db.deleteFrom('oauth_device_account').where('did', '=', did).execute()
  }

  private select() {
    return this.db
      .selectFrom('oauth_device_account as da')
      .innerJoin('oauth_device as d', 'd.id', 'da.deviceId')
      .select([
        'da.deviceId',
        'da.did',
        'da.createdAt',
        'da.updatedAt',
        'd.id',
        'd.sessionId',
        'd.userAgent',
        'd.ipAddress',
        'd.lastSeenAt',
      ])
  }
}

function toDeviceData(row: Selectable<OAuthDevice>): DeviceData {
  return {
    sessionId: row.sessionId as DeviceData['sessionId'],
    userAgent: row.userAgent,
    ipAddress: row.ipAddress,
    lastSeenAt: new Date(row.lastSeenAt),
  }
}

function toRecord(
  row: Selectable<OAuthDevice> & Selectable<OAuthDeviceAccount>,
): OAuthDeviceAccountRecord {
  return {
    deviceId: row.deviceId as DeviceId,
    did: row.did,
    deviceData: toDeviceData(row),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  }
}
