import { request, errors as undiciErrors } from 'undici'
import { UpstreamFailureError, UpstreamTimeoutError, XrpcError } from '@entryway/xrpc'
import type { AccountHost } from './account-store.js'

/** One admin XRPC call as the Entryway passes it on to a PDS. */
export interface PdsAdminCall {
  method: 'GET' | 'POST'
  /** A list repeats the name (`dids=a&dids=b`). */
  params?: Record<string, string | readonly string[]>
  body?: unknown
}

/** The PDS admin routes the session plugin drives (Basic `admin:<PDS admin password>`). */
export interface PdsAdminClient {
  /** `com.atproto.admin.updateSubjectStatus` with `deactivated.applied`. */
  setDeactivated(host: AccountHost, did: string, deactivated: boolean): Promise<void>
  /** `com.atproto.admin.deleteAccount`: removes the repo and its blobs from the PDS. */
  deleteAccount(host: AccountHost, did: string): Promise<void>
  /**
   * Any admin route of the PDS (`updateSubjectStatus`, `getSubjectStatus`): its JSON output, or its
   * 4xx XRPC error passed on with status and name; other failures are 502/504.
   */
  forward(host: AccountHost, nsid: string, call: PdsAdminCall): Promise<unknown>
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

  async forward(host: AccountHost, nsid: string, call: PdsAdminCall): Promise<unknown> {
    const { status, text } = await this.send(host, nsid, call)
    let json: unknown = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      // not JSON: judged by the status below
    }
    if (status >= 200 && status < 300) return json
    const e = json as { error?: unknown; message?: unknown } | null
    // The PDS's own refusal (NotFound, InvalidRequest…) is the admin's answer; never its 5xx detail.
    if (
      status >= 400 &&
      status < 500 &&
      status !== 401 &&
      status !== 403 &&
      typeof e?.error === 'string'
    ) {
      throw new XrpcError(status, e.error, typeof e.message === 'string' ? e.message : undefined)
    }
    throw new UpstreamFailureError(`PDS refused ${nsid} (${status})`)
  }

  private async post(host: AccountHost, nsid: string, body: unknown): Promise<void> {
    const { status, text } = await this.send(host, nsid, { method: 'POST', body })
    if (status >= 200 && status < 300) return
    let name = ''
    try {
      name = String(JSON.parse(text)?.error ?? '')
    } catch {
      // not JSON: the status is enough
    }
    throw new UpstreamFailureError(`PDS refused ${nsid} (${status}${name ? ` ${name}` : ''})`)
  }

  private async send(
    host: AccountHost,
    nsid: string,
    call: PdsAdminCall,
  ): Promise<{ status: number; text: string }> {
    const base = (host.internalUrl ?? host.url).replace(/\/+$/, '')
    const search = new URLSearchParams()
    for (const [k, v] of Object.entries(call.params ?? {}))
      for (const one of typeof v === 'string' ? [v] : v) search.append(k, one)
    const query = search.size ? `?${search.toString()}` : ''
    try {
      const res = await request(`${base}/xrpc/${nsid}${query}`, {
        method: call.method,
        headers: {
          authorization: this.auth,
          ...(call.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: call.method === 'POST' ? JSON.stringify(call.body ?? {}) : undefined,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      })
      return { status: res.statusCode, text: await res.body.text() }
    } catch (err) {
      if (
        err instanceof undiciErrors.HeadersTimeoutError ||
        err instanceof undiciErrors.BodyTimeoutError
      ) {
        throw new UpstreamTimeoutError(`PDS did not answer ${nsid} in time`, { cause: err })
      }
      throw new UpstreamFailureError(`PDS unreachable for ${nsid}`, { cause: err })
    }
  }
}
