import { request } from 'undici'
import { hostBaseUrl } from './host.js'
import type { PdsTarget } from './pds-client.js'
import { callJson, UpstreamCallError } from './upstream-call.js'

/** Account status on one PDS, as `admin.getSubjectStatus` reports it. */
export interface PdsSubjectStatus {
  takendown: boolean
  deactivated: boolean
}

/**
 * The PDS calls a move makes (docs/account-moves.md). Admin calls use Basic `admin:<password>`;
 * user calls take an access token the Entryway minted for that host.
 */
export interface MovePdsClient {
  reserveSigningKey(host: PdsTarget, did: string): Promise<string>
  createAccount(
    host: PdsTarget,
    input: { did: string; handle: string; plcOp: unknown },
  ): Promise<void>
  /** null when the PDS does not hold the account. */
  subjectStatus(host: PdsTarget, did: string): Promise<PdsSubjectStatus | null>
  setDeactivated(host: PdsTarget, did: string, deactivated: boolean): Promise<void>
  /** A gone account counts as deleted. */
  deleteAccount(host: PdsTarget, did: string): Promise<void>
  getRepo(host: PdsTarget, did: string): Promise<Uint8Array>
  importRepo(host: PdsTarget, token: string, car: Uint8Array): Promise<void>
  listBlobs(host: PdsTarget, did: string): Promise<string[]>
  getBlob(
    host: PdsTarget,
    did: string,
    cid: string,
  ): Promise<{ bytes: Uint8Array; mimeType: string }>
  uploadBlob(
    host: PdsTarget,
    token: string,
    blob: { bytes: Uint8Array; mimeType: string },
  ): Promise<string>
  listMissingBlobs(host: PdsTarget, token: string): Promise<string[]>
  getPreferences(host: PdsTarget, token: string): Promise<unknown[]>
  putPreferences(host: PdsTarget, token: string, preferences: unknown[]): Promise<void>
}

export interface UndiciMovePdsClientOptions {
  adminPassword: string
  /** Deadline of one JSON call. */
  timeoutMs: number
  /** Deadline of one repo or blob transfer. */
  transferTimeoutMs: number
}

export class UndiciMovePdsClient implements MovePdsClient {
  private readonly admin: string

  constructor(private readonly o: UndiciMovePdsClientOptions) {
    this.admin = `Basic ${Buffer.from(`admin:${o.adminPassword}`).toString('base64')}`
  }

  async reserveSigningKey(host: PdsTarget, did: string): Promise<string> {
    const { body } = await this.json(host, 'POST', 'com.atproto.server.reserveSigningKey', {
      body: { did },
    })
    const key = (body as { signingKey?: unknown })?.signingKey
    if (typeof key !== 'string' || !key.startsWith('did:key:'))
      throw new UpstreamCallError('rejected', 'reserveSigningKey returned no key', 200, null)
    return key
  }

  async createAccount(
    host: PdsTarget,
    input: { did: string; handle: string; plcOp: unknown },
  ): Promise<void> {
    await this.json(host, 'POST', 'com.atproto.server.createAccount', { body: input })
  }

  async subjectStatus(host: PdsTarget, did: string): Promise<PdsSubjectStatus | null> {
    try {
      const { body } = await this.json(
        host,
        'GET',
        `com.atproto.admin.getSubjectStatus?did=${encodeURIComponent(did)}`,
        { admin: true },
      )
      const b = body as { takedown?: { applied?: boolean }; deactivated?: { applied?: boolean } }
      return {
        takendown: b.takedown?.applied === true,
        deactivated: b.deactivated?.applied === true,
      }
    } catch (err) {
      // the PDS answers 400 NotFound ("Subject not found") for a DID it does not hold
      if (
        err instanceof UpstreamCallError &&
        err.kind === 'rejected' &&
        err.errorName === 'NotFound'
      )
        return null
      throw err
    }
  }

  async setDeactivated(host: PdsTarget, did: string, deactivated: boolean): Promise<void> {
    await this.json(host, 'POST', 'com.atproto.admin.updateSubjectStatus', {
      admin: true,
      body: {
        subject: { $type: 'com.atproto.admin.defs#repoRef', did },
        deactivated: { applied: deactivated },
      },
    })
  }

  async deleteAccount(host: PdsTarget, did: string): Promise<void> {
    if ((await this.subjectStatus(host, did)) === null) return
    await this.json(host, 'POST', 'com.atproto.admin.deleteAccount', { admin: true, body: { did } })
  }

  async getRepo(host: PdsTarget, did: string): Promise<Uint8Array> {
    return this.bytes(host, `com.atproto.sync.getRepo?did=${encodeURIComponent(did)}`, this.admin)
  }

  async importRepo(host: PdsTarget, token: string, car: Uint8Array): Promise<void> {
    await this.send(host, 'com.atproto.repo.importRepo', token, car, 'application/vnd.ipld.car')
  }

  async listBlobs(host: PdsTarget, did: string): Promise<string[]> {
    const out: string[] = []
    let cursor: string | undefined
    do {
      const q = `did=${encodeURIComponent(did)}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const { body } = await this.json(host, 'GET', `com.atproto.sync.listBlobs?${q}`, {
        admin: true,
      })
      const b = body as { cids?: string[]; cursor?: string }
      out.push(...(b.cids ?? []))
      cursor = b.cids?.length ? b.cursor : undefined
    } while (cursor)
    return out
  }

  async getBlob(
    host: PdsTarget,
    did: string,
    cid: string,
  ): Promise<{ bytes: Uint8Array; mimeType: string }> {
    const url = `${hostBaseUrl(host)}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${encodeURIComponent(cid)}`
    const res = await request(url, {
      headers: { authorization: this.admin },
      signal: AbortSignal.timeout(this.o.transferTimeoutMs),
    })
    const bytes = new Uint8Array(await res.body.arrayBuffer())
    if (res.statusCode !== 200)
      throw new UpstreamCallError(
        'rejected',
        `getBlob answered ${res.statusCode}`,
        res.statusCode,
        null,
      )
    const type = res.headers['content-type']
    return { bytes, mimeType: (Array.isArray(type) ? type[0] : type) ?? 'application/octet-stream' }
  }

  async uploadBlob(
    host: PdsTarget,
    token: string,
    blob: { bytes: Uint8Array; mimeType: string },
  ): Promise<string> {
    const body = (await this.send(
      host,
      'com.atproto.repo.uploadBlob',
      token,
      blob.bytes,
      blob.mimeType,
    )) as { blob?: { ref?: { $link?: string } } }
    const cid = body?.blob?.ref?.$link
    if (typeof cid !== 'string')
      throw new UpstreamCallError('rejected', 'uploadBlob returned no blob', 200, null)
    return cid
  }

  async listMissingBlobs(host: PdsTarget, token: string): Promise<string[]> {
    const out: string[] = []
    let cursor: string | undefined
    do {
      const q = `limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const { body } = await this.json(host, 'GET', `com.atproto.repo.listMissingBlobs?${q}`, {
        token,
      })
      const b = body as { blobs?: Array<{ cid: string }>; cursor?: string }
      out.push(...(b.blobs ?? []).map((x) => x.cid))
      cursor = b.blobs?.length ? b.cursor : undefined
    } while (cursor)
    return out
  }

  async getPreferences(host: PdsTarget, token: string): Promise<unknown[]> {
    const { body } = await this.json(host, 'GET', 'app.bsky.actor.getPreferences', { token })
    return (body as { preferences?: unknown[] })?.preferences ?? []
  }

  async putPreferences(host: PdsTarget, token: string, preferences: unknown[]): Promise<void> {
    await this.json(host, 'POST', 'app.bsky.actor.putPreferences', { token, body: { preferences } })
  }

  private json(
    host: PdsTarget,
    method: 'GET' | 'POST',
    path: string,
    o: { admin?: boolean; token?: string; body?: unknown },
  ) {
    const authorization = o.admin ? this.admin : o.token ? `Bearer ${o.token}` : undefined
    return callJson(`${hostBaseUrl(host)}/xrpc/${path}`, {
      method,
      body: o.body,
      headers: authorization ? { authorization } : {},
      timeoutMs: this.o.timeoutMs,
    })
  }

  private async bytes(host: PdsTarget, path: string, authorization: string): Promise<Uint8Array> {
    const res = await request(`${hostBaseUrl(host)}/xrpc/${path}`, {
      headers: { authorization },
      signal: AbortSignal.timeout(this.o.transferTimeoutMs),
    })
    const bytes = new Uint8Array(await res.body.arrayBuffer())
    if (res.statusCode !== 200)
      throw new UpstreamCallError(
        'rejected',
        `${path.split('?')[0]} answered ${res.statusCode}`,
        res.statusCode,
        errorName(bytes),
      )
    return bytes
  }

  private async send(
    host: PdsTarget,
    nsid: string,
    token: string,
    body: Uint8Array,
    contentType: string,
  ): Promise<unknown> {
    const res = await request(`${hostBaseUrl(host)}/xrpc/${nsid}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(this.o.transferTimeoutMs),
    })
    const bytes = new Uint8Array(await res.body.arrayBuffer())
    if (res.statusCode !== 200)
      throw new UpstreamCallError(
        'rejected',
        `${nsid} answered ${res.statusCode}: ${Buffer.from(bytes).toString('utf8').slice(0, 200)}`,
        res.statusCode,
        errorName(bytes),
      )
    try {
      return JSON.parse(Buffer.from(bytes).toString('utf8'))
    } catch {
      return null
    }
  }
}

function errorName(bytes: Uint8Array): string | null {
  try {
    const e = JSON.parse(Buffer.from(bytes).toString('utf8'))?.error
    return typeof e === 'string' ? e : null
  } catch {
    return null
  }
}
