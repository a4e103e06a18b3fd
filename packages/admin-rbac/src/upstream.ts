import { request } from 'undici'
import type { FleetHost } from './fleet-directory.js'

export interface XrpcCall {
  method: 'GET' | 'POST'
  params?: Record<string, string | string[]>
  body?: unknown
}

/** An upstream's answer, passed back to the member as it came. */
export interface XrpcAnswer {
  status: number
  body: unknown
}

/** Admin XRPC on one PDS of the fleet (Basic `admin:<password>`, added server-side). */
export interface PdsAdminXrpc {
  call(host: FleetHost, nsid: string, call: XrpcCall): Promise<XrpcAnswer>
}

/**
 * The Entryway's own XRPC routes (invites, passwords, email, sign-up are Entryway-owned in entryway
 * mode). The app calls its own routes in-process (`app.inject`) with the admin credentials.
 */
export interface EntrywayXrpc {
  call(nsid: string, call: XrpcCall): Promise<XrpcAnswer>
}

export function queryString(params: Record<string, string | string[]> | undefined): string {
  if (!params) return ''
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params))
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, one)
  const s = q.toString()
  return s ? `?${s}` : ''
}

export function basicAdminHeader(password: string): string {
  return `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`
}

async function readBody(
  body: { text(): Promise<string> },
  contentType: string | undefined,
): Promise<unknown> {
  const text = await body.text()
  if (!text) return null
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

export interface UndiciPdsAdminXrpcOptions {
  adminPassword: string
  timeoutMs: number
}

/** Calls a PDS over HTTP with the admin password. The password never leaves this object. */
export class UndiciPdsAdminXrpc implements PdsAdminXrpc {
  readonly #auth: string
  readonly #timeoutMs: number
  constructor(opts: UndiciPdsAdminXrpcOptions) {
    this.#auth = basicAdminHeader(opts.adminPassword)
    this.#timeoutMs = opts.timeoutMs
  }
  async call(host: FleetHost, nsid: string, call: XrpcCall): Promise<XrpcAnswer> {
    const url = `${host.baseUrl.replace(/\/+$/, '')}/xrpc/${nsid}${queryString(call.params)}`
    const res = await request(url, {
      method: call.method,
      headers: {
        authorization: this.#auth,
        ...(call.method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      body: call.method === 'POST' ? JSON.stringify(call.body ?? {}) : undefined,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    })
    const ct = res.headers['content-type']
    return {
      status: res.statusCode,
      body: await readBody(res.body, Array.isArray(ct) ? ct[0] : ct),
    }
  }
}
