import {
  InvalidCredentialsError,
  InvalidRequestError,
  OAuthError,
  SecondAuthenticationFactorRequiredError,
} from '@atproto/oauth-provider/errors'
import type {
  Account,
  AccountStore,
  AuthenticateAccountData,
  AuthorizedClientData,
  AuthorizedClients,
  ClientId,
  Code,
  CreateTokenData,
  DeviceAccount,
  DeviceData,
  DeviceId,
  DeviceStore,
  Did,
  FoundRequestResult,
  LexiconData,
  LexiconStore,
  NewTokenData,
  RefreshToken,
  ReplayStore,
  RequestData,
  RequestId,
  RequestStore,
  TokenId,
  TokenInfo,
  TokenStore,
  UpdateRequestData,
} from '@atproto/oauth-provider/store'
import type { OAuthAccount, OAuthAccountBackend } from './account-backend.js'
import { providerRequest } from './request-context.js'
import type { OAuthDeviceAccountRecord, OAuthStores, OAuthTokenRecord } from './stores.js'

const NOT_HERE = 'Manage this from the app you use with your account'

/** The fleet account as the provider sees it: `pds` becomes the access token's `aud`. */
export function toProviderAccount(a: OAuthAccount): Account {
  return {
    did: a.did as Did,
    pds: a.pdsDid as Did,
    deactivated: a.deactivated,
    email: a.email ?? undefined,
    emailVerified: a.email ? a.emailConfirmed : undefined,
    handle: (a.handle ?? undefined) as Account['handle'],
  }
}

/**
 * Implements the provider's stores on the Entryway's: persistence is delegated to {@link OAuthStores},
 * accounts to {@link OAuthAccountBackend}. A session whose account is gone (deleted, taken down) reads
 * as absent, so its refresh fails at once.
 */
export class EntrywayProviderStore
  implements AccountStore, RequestStore, DeviceStore, LexiconStore, TokenStore, ReplayStore
{
  constructor(
    private readonly stores: OAuthStores,
    private readonly accounts: OAuthAccountBackend,
  ) {}

  // AccountStore: sign-in and the account chooser

  async authenticateAccount({
    username,
    password,
    emailOtp,
  }: AuthenticateAccountData): Promise<Account> {
    const ip = providerRequest.getStore()?.ip ?? 'unknown'
    const res = await this.accounts.authenticate({
      identifier: username,
      password,
      emailOtp: emailOtp || undefined,
      ip,
    })
    if (res.ok) return toProviderAccount(res.account)
    switch (res.reason) {
      case 'invalid-credentials':
        throw new InvalidCredentialsError(
          'Invalid identifier or password',
          res.did as Did | undefined,
        )
      case 'takendown':
        throw new InvalidRequestError('Account was taken down')
      case 'rate-limited':
        throw new OAuthError('invalid_request', 'Too many sign-in attempts, try again later', 429)
      case 'email-otp-required':
        throw new SecondAuthenticationFactorRequiredError('emailOtp', res.hint)
      case 'email-otp-invalid':
        throw new InvalidCredentialsError('Invalid sign-in code', res.did as Did)
      case 'email-otp-unavailable':
        // said at once, never a code that cannot arrive
        throw new OAuthError(
          'temporarily_unavailable',
          'This account signs in with a code sent by email, and this service cannot send email',
          503,
        )
    }
  }

  async getAccount(did: Did): Promise<{ account: Account; authorizedClients: AuthorizedClients }> {
    const account = await this.requireAccount(did)
    const clients = await this.stores.authorizedClients.listAuthorizedClients([did])
    return { account: toProviderAccount(account), authorizedClients: clients.get(did) ?? new Map() }
  }

  async setAuthorizedClient(
    did: Did,
    clientId: ClientId,
    data: AuthorizedClientData,
  ): Promise<void> {
    await this.stores.authorizedClients.setAuthorizedClient(did, clientId, data)
  }

  async upsertDeviceAccount(deviceId: DeviceId, did: Did): Promise<void> {
    await this.stores.deviceAccounts.upsertDeviceAccount(deviceId, did)
  }

  async getDeviceAccount(deviceId: DeviceId, did: Did): Promise<DeviceAccount | null> {
    const row = await this.stores.deviceAccounts.getDeviceAccount(deviceId, did)
    if (!row) return null
    const [account] = await this.toDeviceAccounts([row])
    return account ?? null
  }

  async removeDeviceAccount(deviceId: DeviceId, did: Did): Promise<void> {
    await this.stores.deviceAccounts.removeDeviceAccount(deviceId, did)
  }

  async listDeviceAccounts(
    filter: { did: Did } | { deviceId: DeviceId },
  ): Promise<DeviceAccount[]> {
    return this.toDeviceAccounts(await this.stores.deviceAccounts.listDeviceAccounts(filter))
  }

  // Account management stays in the apps and the Entryway's XRPC routes: the provider's pages for
  // these answer with a plain error.
  createAccount(): never {
    throw new InvalidRequestError('Create your account with an app that supports this server')
  }
  resetPasswordRequest(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  resetPasswordConfirm(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  updateEmailRequest(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  updateEmailConfirm(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  verifyEmailRequest(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  verifyEmailConfirm(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  verifyHandleAvailability(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  updateHandle(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  deactivateAccount(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  reactivateAccount(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  deleteAccountRequest(): never {
    throw new InvalidRequestError(NOT_HERE)
  }
  deleteAccountConfirm(): never {
    throw new InvalidRequestError(NOT_HERE)
  }

  // RequestStore

  createRequest(id: RequestId, data: RequestData): Promise<void> {
    return Promise.resolve(this.stores.requests.createRequest(id, data))
  }
  readRequest(id: RequestId): Promise<RequestData | null> {
    return Promise.resolve(this.stores.requests.readRequest(id))
  }
  updateRequest(id: RequestId, data: UpdateRequestData): Promise<void> {
    return Promise.resolve(this.stores.requests.updateRequest(id, data))
  }
  deleteRequest(id: RequestId): Promise<void> {
    return Promise.resolve(this.stores.requests.deleteRequest(id))
  }
  consumeRequestCode(code: Code): Promise<FoundRequestResult | null> {
    return Promise.resolve(this.stores.requests.consumeRequestCode(code))
  }

  // DeviceStore

  createDevice(id: DeviceId, data: DeviceData): Promise<void> {
    return Promise.resolve(this.stores.devices.createDevice(id, data))
  }
  readDevice(id: DeviceId): Promise<DeviceData | null> {
    return Promise.resolve(this.stores.devices.readDevice(id))
  }
  updateDevice(id: DeviceId, data: Partial<DeviceData>): Promise<void> {
    return Promise.resolve(this.stores.devices.updateDevice(id, data))
  }
  deleteDevice(id: DeviceId): Promise<void> {
    return Promise.resolve(this.stores.devices.deleteDevice(id))
  }

  // LexiconStore

  findLexicon(nsid: string): Promise<LexiconData | null> {
    return Promise.resolve(this.stores.lexicons.findLexicon(nsid))
  }
  storeLexicon(nsid: string, data: LexiconData): Promise<void> {
    return Promise.resolve(this.stores.lexicons.storeLexicon(nsid, data))
  }
  deleteLexicon(nsid: string): Promise<void> {
    return Promise.resolve(this.stores.lexicons.deleteLexicon(nsid))
  }

  // ReplayStore

  unique(namespace: string, nonce: string, timeFrame: number): Promise<boolean> {
    return Promise.resolve(this.stores.replay.unique(namespace, nonce, timeFrame))
  }

  // TokenStore

  createToken(id: TokenId, data: CreateTokenData, refreshToken?: RefreshToken): Promise<void> {
    return this.stores.tokens.createToken(id, data, refreshToken)
  }
  async readToken(id: TokenId): Promise<TokenInfo | null> {
    return this.toTokenInfo(await this.stores.tokens.readToken(id))
  }
  deleteToken(id: TokenId): Promise<void> {
    return this.stores.tokens.deleteToken(id)
  }
  rotateToken(
    id: TokenId,
    newId: TokenId,
    newRefreshToken: RefreshToken,
    newData: NewTokenData,
  ): Promise<void> {
    return this.stores.tokens.rotateToken(id, newId, newRefreshToken, newData)
  }
  async findTokenByRefreshToken(refreshToken: RefreshToken): Promise<TokenInfo | null> {
    return this.toTokenInfo(await this.stores.tokens.findTokenByRefreshToken(refreshToken))
  }
  async findTokenByCode(code: Code): Promise<TokenInfo | null> {
    return this.toTokenInfo(await this.stores.tokens.findTokenByCode(code))
  }
  async listAccountTokens(did: Did): Promise<TokenInfo[]> {
    const account = await this.accounts.getAccount(did)
    if (!account) return []
    const rows = await this.stores.tokens.listAccountTokens(did)
    return rows.map((r) => ({
      id: r.id,
      data: r.data,
      account: toProviderAccount(account),
      currentRefreshToken: r.currentRefreshToken,
    }))
  }

  private async toTokenInfo(row: OAuthTokenRecord | null): Promise<TokenInfo | null> {
    if (!row) return null
    const account = await this.accounts.getAccount(row.data.did)
    // A deleted or taken-down account: the session is gone with it.
    if (!account) return null
    return {
      id: row.id,
      data: row.data,
      account: toProviderAccount(account),
      currentRefreshToken: row.currentRefreshToken,
    }
  }

  private async requireAccount(did: string): Promise<OAuthAccount> {
    const account = await this.accounts.getAccount(did)
    if (!account) throw new InvalidRequestError('Account not found')
    return account
  }

  private async toDeviceAccounts(rows: OAuthDeviceAccountRecord[]): Promise<DeviceAccount[]> {
    const dids = [...new Set(rows.map((r) => r.did))]
    const accounts = new Map<string, OAuthAccount>()
    for (const did of dids) {
      const a = await this.accounts.getAccount(did)
      if (a) accounts.set(did, a)
    }
    const clients = await this.stores.authorizedClients.listAuthorizedClients([...accounts.keys()])
    const out: DeviceAccount[] = []
    for (const r of rows) {
      const a = accounts.get(r.did)
      if (!a) continue
      out.push({
        deviceId: r.deviceId,
        deviceData: r.deviceData,
        account: toProviderAccount(a),
        authorizedClients: clients.get(r.did) ?? new Map(),
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      })
    }
    return out
  }
}
