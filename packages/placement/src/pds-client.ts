import { hostBaseUrl, type Host } from './host.js'
import { callJson, UpstreamCallError } from './upstream-call.js'

export type PdsTarget = Pick<Host, 'url' | 'internalUrl'>

/** The PDS routes placement drives. Admin calls use Basic `admin:<PDS admin password>`. */
export interface PdsClient {
  /** `com.atproto.server.reserveSigningKey` (unauthenticated): a `did:key` the PDS holds. */
  reserveSigningKey(host: PdsTarget): Promise<string>
  /** `com.atproto.server.createAccount {did, handle, plcOp}`; the PDS submits the op to PLC. */
  createAccount(
    host: PdsTarget,
    input: { did: string; handle: string; plcOp: unknown },
  ): Promise<{ didDoc?: unknown }>
  /** Whether the PDS holds an account for `did` (`admin.getAccountInfo`); null when it cannot tell. */
  hasAccount(host: PdsTarget, did: string): Promise<boolean | null>
  /** `admin.deleteAccount`. */
  deleteAccount(host: PdsTarget, did: string): Promise<void>
  /** `admin.updateAccountHandle`. */
  updateAccountHandle(host: PdsTarget, did: string, handle: string): Promise<void>
  /** `_health` then `describeServer`; resolves with the version and service DID. */
  check(host: PdsTarget, timeoutMs: number): Promise<{ version: string | null; did: string | null }>
}

export interface UndiciPdsClientOptions {
  adminPassword: string
  timeoutMs: number
}

export class UndiciPdsClient implements PdsClient {
  private readonly admin: string

  constructor(private readonly o: UndiciPdsClientOptions) {
    this.admin = `Basic ${Buffer.from(`admin:${o.adminPassword}`).toString('base64')}`
  }

  async reserveSigningKey(host: PdsTarget): Promise<string> {
    const { body } = await this.post(host, 'com.atproto.server.reserveSigningKey', {})
    const key = (body as { signingKey?: unknown })?.signingKey
    if (typeof key !== 'string' || !key.startsWith('did:key:')) {
      throw new UpstreamCallError(
        'rejected',
        'reserveSigningKey returned no signing key',
        200,
        null,
      )
    }
    return key
  }

  async createAccount(
    host: PdsTarget,
    input: { did: string; handle: string; plcOp: unknown },
  ): Promise<{ didDoc?: unknown }> {
    const { body } = await this.post(host, 'com.atproto.server.createAccount', input)
    const didDoc = (body as { didDoc?: unknown })?.didDoc
    return didDoc ? { didDoc } : {}
  }

  async hasAccount(host: PdsTarget, did: string): Promise<boolean | null> {
    try {
      await callJson(
        `${hostBaseUrl(host)}/xrpc/com.atproto.admin.getAccountInfo?did=${encodeURIComponent(did)}`,
        {
          method: 'GET',
          headers: { authorization: this.admin },
          timeoutMs: this.o.timeoutMs,
        },
      )
      return true
    } catch (err) {
      // the PDS answers 400 NotFound ("Account not found") for a DID it does not hold
      if (err instanceof UpstreamCallError && err.kind === 'rejected' && err.status === 400)
        return false
      return null
    }
  }

  async deleteAccount(host: PdsTarget, did: string): Promise<void> {
    await this.post(host, 'com.atproto.admin.deleteAccount', { did }, true)
  }

  async updateAccountHandle(host: PdsTarget, did: string, handle: string): Promise<void> {
    await this.post(host, 'com.atproto.admin.updateAccountHandle', { did, handle }, true)
  }

  async check(
    host: PdsTarget,
    timeoutMs: number,
  ): Promise<{ version: string | null; did: string | null }> {
    const base = hostBaseUrl(host)
    const health = await callJson(`${base}/xrpc/_health`, { method: 'GET', timeoutMs })
    const desc = await callJson(`${base}/xrpc/com.atproto.server.describeServer`, {
      method: 'GET',
      timeoutMs,
    })
    const version = (health.body as { version?: unknown })?.version
    const did = (desc.body as { did?: unknown })?.did
    return {
      version: typeof version === 'string' ? version : null,
      did: typeof did === 'string' ? did : null,
    }
  }

  private post(host: PdsTarget, nsid: string, body: unknown, admin = false) {
    return callJson(`${hostBaseUrl(host)}/xrpc/${nsid}`, {
      method: 'POST',
      body,
      headers: admin ? { authorization: this.admin } : {},
      timeoutMs: this.o.timeoutMs,
    })
  }
}
