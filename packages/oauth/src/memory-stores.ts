import { randomInt } from 'node:crypto'
import type {
  OAuthAccount,
  OAuthAccountBackend,
  OAuthAuthenticateResult,
} from './account-backend.js'
import type {
  AuthorizedClientData,
  ClientId,
  Code,
  CreateTokenData,
  DeviceData,
  DeviceId,
  NewTokenData,
  OAuthDeviceAccountRecord,
  OAuthStores,
  OAuthTokenRecord,
  RefreshToken,
  TokenId,
} from './stores.js'
import type {
  FoundRequestResult,
  LexiconData,
  RequestData,
  RequestId,
  UpdateRequestData,
} from '@atproto/oauth-provider/store'

/** In-memory stores for tests and single-process use. Not shared between instances. */
export function createMemoryOAuthStores(now: () => number = Date.now): OAuthStores {
  const requests = new Map<RequestId, RequestData>()
  const devices = new Map<DeviceId, DeviceData>()
  const deviceAccounts = new Map<string, OAuthDeviceAccountRecord>()
  const authorized = new Map<string, Map<ClientId, AuthorizedClientData>>()
  const tokens = new Map<TokenId, OAuthTokenRecord>()
  const usedRefresh = new Map<RefreshToken, TokenId>()
  const lexicons = new Map<string, LexiconData>()
  const replay = new Map<string, number>()
  const scopes = new Map<string, string>()
  const daKey = (deviceId: string, did: string) => `${deviceId}\u0000${did}`

  return {
    requests: {
      createRequest: (id, data) => void requests.set(id, structuredClone(data)),
      readRequest: (id) => structuredClone(requests.get(id) ?? null),
      updateRequest: (id, data: UpdateRequestData) => {
        const cur = requests.get(id)
        if (cur) requests.set(id, { ...cur, ...data })
      },
      deleteRequest: (id) => void requests.delete(id),
      consumeRequestCode: (code: Code): FoundRequestResult | null => {
        for (const [requestId, data] of requests) {
          if (data.code === code) {
            requests.delete(requestId)
            return { requestId, data }
          }
        }
        return null
      },
    },
    devices: {
      createDevice: (id, data) => void devices.set(id, { ...data }),
      readDevice: (id) => (devices.has(id) ? { ...devices.get(id)! } : null),
      updateDevice: (id, data) => {
        const cur = devices.get(id)
        if (cur) devices.set(id, { ...cur, ...data })
      },
      deleteDevice: (id) => {
        devices.delete(id)
        for (const [k, v] of deviceAccounts) if (v.deviceId === id) deviceAccounts.delete(k)
      },
    },
    deviceAccounts: {
      async upsertDeviceAccount(deviceId, did) {
        const deviceData = devices.get(deviceId)
        if (!deviceData) throw new Error('unknown device')
        const cur = deviceAccounts.get(daKey(deviceId, did))
        const at = new Date(now())
        deviceAccounts.set(daKey(deviceId, did), {
          deviceId,
          did,
          deviceData,
          createdAt: cur?.createdAt ?? at,
          updatedAt: at,
        })
      },
      async getDeviceAccount(deviceId, did) {
        const r = deviceAccounts.get(daKey(deviceId, did))
        return r ? { ...r, deviceData: devices.get(deviceId) ?? r.deviceData } : null
      },
      async removeDeviceAccount(deviceId, did) {
        deviceAccounts.delete(daKey(deviceId, did))
      },
      async listDeviceAccounts(filter) {
        return [...deviceAccounts.values()]
          .filter((r) => ('did' in filter ? r.did === filter.did : r.deviceId === filter.deviceId))
          .map((r) => ({ ...r, deviceData: devices.get(r.deviceId) ?? r.deviceData }))
      },
      async removeAccount(did) {
        for (const [k, v] of deviceAccounts) if (v.did === did) deviceAccounts.delete(k)
      },
    },
    authorizedClients: {
      async setAuthorizedClient(did, clientId, data) {
        const m = authorized.get(did) ?? new Map()
        m.set(clientId, { authorizedScopes: [...data.authorizedScopes] })
        authorized.set(did, m)
      },
      async listAuthorizedClients(dids) {
        return new Map(dids.map((d) => [d, new Map(authorized.get(d) ?? [])]))
      },
    },
    tokens: {
      async createToken(id: TokenId, data: CreateTokenData, refreshToken?: RefreshToken) {
        if (
          refreshToken &&
          (usedRefresh.has(refreshToken) ||
            [...tokens.values()].some((t) => t.currentRefreshToken === refreshToken))
        ) {
          throw new Error('Refresh token already in use')
        }
        tokens.set(id, {
          id,
          data: structuredClone(data),
          currentRefreshToken: refreshToken ?? null,
        })
      },
      async readToken(id) {
        return structuredClone(tokens.get(id) ?? null)
      },
      async deleteToken(id) {
        tokens.delete(id)
        for (const [rt, tid] of usedRefresh) if (tid === id) usedRefresh.delete(rt)
      },
      async rotateToken(id, newId, newRefreshToken, newData: NewTokenData) {
        const cur = tokens.get(id)
        if (!cur) throw new Error('Token not found')
        if (usedRefresh.has(newRefreshToken)) throw new Error('New refresh token already in use')
        for (const [rt, tid] of usedRefresh) if (tid === id) usedRefresh.set(rt, newId)
        if (cur.currentRefreshToken) usedRefresh.set(cur.currentRefreshToken, newId)
        tokens.delete(id)
        tokens.set(newId, {
          id: newId,
          data: { ...cur.data, ...newData },
          currentRefreshToken: newRefreshToken,
        })
      },
      async findTokenByRefreshToken(rt) {
        const used = usedRefresh.get(rt)
        if (used) return structuredClone(tokens.get(used) ?? null)
        return structuredClone(
          [...tokens.values()].find((t) => t.currentRefreshToken === rt) ?? null,
        )
      },
      async findTokenByCode(code) {
        return structuredClone([...tokens.values()].find((t) => t.data.code === code) ?? null)
      },
      async listAccountTokens(did) {
        return structuredClone([...tokens.values()].filter((t) => t.data.did === did))
      },
      async deleteAccountTokens(did) {
        let n = 0
        for (const t of [...tokens.values()]) {
          if (t.data.did !== did) continue
          tokens.delete(t.id)
          for (const [rt, tid] of usedRefresh) if (tid === t.id) usedRefresh.delete(rt)
          n++
        }
        return n
      },
    },
    lexicons: {
      findLexicon: (nsid) => structuredClone(lexicons.get(nsid) ?? null),
      storeLexicon: (nsid, data) => void lexicons.set(nsid, structuredClone(data)),
      deleteLexicon: (nsid) => void lexicons.delete(nsid),
    },
    replay: {
      unique(namespace, nonce, timeFrame) {
        const k = `${namespace}\u0000${nonce}`
        const t = now()
        const until = replay.get(k)
        if (until !== undefined && until > t) return false
        replay.set(k, t + timeFrame)
        return true
      },
    },
    scopeRefs: {
      async putScope(id, scope) {
        scopes.set(id, scope)
      },
      async getScope(id) {
        return scopes.get(id) ?? null
      },
    },
  }
}

interface MemoryAccount extends OAuthAccount {
  password: string
  emailAuthFactor: boolean
  takendown?: boolean
}

/** Accounts with plain passwords, for tests. Email codes go to `onEmailOtp`. */
export class MemoryAccountBackend implements OAuthAccountBackend {
  private readonly accounts = new Map<string, MemoryAccount>()
  private readonly codes = new Map<string, string>()

  constructor(private readonly onEmailOtp: (to: string, code: string) => void = () => {}) {}

  add(account: MemoryAccount): void {
    this.accounts.set(account.did, { ...account })
  }

  remove(did: string): void {
    this.accounts.delete(did)
  }

  async authenticate({
    identifier,
    password,
    emailOtp,
  }: {
    identifier: string
    password: string
    emailOtp?: string
  }): Promise<OAuthAuthenticateResult> {
    const id = identifier.toLowerCase()
    const a = [...this.accounts.values()].find(
      (x) => x.did === identifier || x.handle === id || x.email === id,
    )
    if (!a || a.password !== password)
      return { ok: false, reason: 'invalid-credentials', ...(a ? { did: a.did } : {}) }
    if (a.takendown) return { ok: false, reason: 'takendown', did: a.did }
    if (a.emailAuthFactor && a.email) {
      const hint = a.email.replace(/^(.).*@/, '$1***@')
      if (!emailOtp) {
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
        this.codes.set(a.did, code)
        this.onEmailOtp(a.email, code)
        return { ok: false, reason: 'email-otp-required', did: a.did, hint }
      }
      if (this.codes.get(a.did) !== emailOtp.trim())
        return { ok: false, reason: 'email-otp-invalid', did: a.did, hint }
      this.codes.delete(a.did)
    }
    return { ok: true, account: this.toAccount(a) }
  }

  async getAccount(did: string): Promise<OAuthAccount | null> {
    const a = this.accounts.get(did)
    return a && !a.takendown ? this.toAccount(a) : null
  }

  private toAccount(a: MemoryAccount): OAuthAccount {
    return {
      did: a.did,
      handle: a.handle,
      email: a.email,
      emailConfirmed: a.emailConfirmed,
      pdsDid: a.pdsDid,
      deactivated: a.deactivated,
    }
  }
}
