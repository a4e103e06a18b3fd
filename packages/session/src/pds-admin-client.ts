import { request, errors as undiciErrors } from 'undici'
import { UpstreamFailureError, UpstreamTimeoutError } from '@entryway/xrpc'
import type { AccountHost } from './account-store.js'

/** The PDS admin routes the session plugin drives (Basic `admin:<PDS admin password>`). */
export interface PdsAdminClient {
  /** `com.atproto.admin.updateSubjectStatus` with `deactivated.applied`. */
  setDeactivated(host: AccountHost, did: string, deactivated: boolean): Promise<void>
  /** `com.atproto.admin.deleteAccount`: removes the repo and its blobs from the PDS. */
  deleteAccount(host: AccountHost, did: string): Promise<void>
}

export const DEFAULT_PDS_ADMIN_TIMEOUT_MS = 10_000

export interface UndiciPdsAdminClientOptions {
  adminPassword: string
  /** @default 10000 */
  timeoutMs?: number
}

/** PdsAdminClient over undici. Failures become 502/504 without the PDS's body or our credentials. */
export class UndiciPdsAdminClient implements PdsAdminClient {
  private readonly auth: string
  private readonly timeoutMs: number

  constructor(o: UndiciPdsAdminClientOptions) {
    this.auth = `Basic ${Buffer.from(`admin:${o.adminPassword}`).toString('base64')}`
    this.timeoutMs = o.timeoutMs ?? DEFAULT_PDS_ADMIN_TIMEOUT_MS
  }

  async setDeactivated(host: AccountHost, did: string, deactivated: boolean): Promise<void> {
    await this.post(host, 'com.atproto.admin.updateSubjectStatus', {
      subject: { $type: 'com.atproto.admin.defs#repoRef', did },
      deactivated: { applied: deactivated },
    })
  }

  async deleteAccount(host: AccountHost, did: string): Promise<void> {
    await this.post(host, 'com.atproto.admin.deleteAccount', { did })
  }

  private async post(host: AccountHost, nsid: string, body: unknown): Promise<void> {
    const base = (host.internalUrl ?? host.url).replace(/\/+$/, '')
    let res
    try {
      res = await request(`${base}/xrpc/${nsid}`, {
        method: 'POST',
        headers: { authorization: this.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      })
    } catch (err) {
      if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
        throw new UpstreamTimeoutError(`PDS did not answer ${nsid} in time`, { cause: err })
      }
      throw new UpstreamFailureError(`PDS unreachable for ${nsid}`, { cause: err })
    }
    const text = await res.body.text()
    if (res.statusCode >= 200 && res.statusCode < 300) return
    let name = ''
    try {
      name = String(JSON.parse(text)?.error ?? '')
    } catch {
      // not JSON: the status is enough
    }
    throw new UpstreamFailureError(`PDS refused ${nsid} (${res.statusCode}${name ? ` ${name}` : ''})`)
  }
}
