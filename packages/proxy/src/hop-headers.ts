import type { IncomingHttpHeaders } from 'node:http'

/**
 * Request headers that never cross the hop: hop-by-hop fields (RFC 9110 §7.6.1), `host` (undici
 * writes the PDS's), `expect` (Node answers `100-continue` itself; undici refuses it), what
 * only the Entryway may say to a PDS (`x-forwarded-for` is set afresh, the bypass key never
 * comes from a client), and the credentials the Entryway itself issues on its origin: cookies
 * (the OAuth provider's device session `dev-id`/`ses-id`, the admin portal's session and login
 * CSRF) and the admin API's `x-csrf-token`. No PDS XRPC route reads a cookie; `authorization`
 * and `dpop` are the PDS's own credentials and pass.
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'host',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-real-ip',
  'x-ratelimit-bypass',
  'cookie',
  'cookie2',
  'x-csrf-token',
])

/**
 * The headers sent to the PDS: the client's, minus the dropped ones and any field the client's
 * `Connection` header names, plus `x-forwarded-for` = the client the Entryway saw (the PDS
 * trusts it for its per-IP rate limits).
 */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  clientIp: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    if (DROPPED_REQUEST_HEADERS.has(name)) continue
    const value = headers[name]
    if (value !== undefined) out[name] = value
  }
  const connection = headers.connection
  // rare: `Connection: keep-alive` and `close` name no other field
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') {
    for (const token of connection.split(',')) delete out[token.trim().toLowerCase()]
  }
  out['x-forwarded-for'] = clientIp
  return out
}

/**
 * The PDS's response header fields as `[name, value, name, value, …]` for `writeHead`, without
 * the hop-by-hop ones (Node frames the client's response itself) and without what would act on
 * the Entryway's own origin: `set-cookie` (an upstream planting or overwriting the OAuth device
 * or admin cookies) and `clear-site-data` (an upstream signing users out of the Entryway).
 * Names keep the PDS's spelling.
 */
export function downstreamResponseHeaders(raw: Buffer[]): string[] {
  const out: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1')
    if (isDroppedResponseHeader(name)) continue
    out.push(name, raw[i + 1]!.toString('latin1'))
  }
  return out
}

function isDroppedResponseHeader(name: string): boolean {
  // lengths first: most names are skipped without lower-casing them
  switch (name.length) {
    case 7:
      return name.toLowerCase() === 'upgrade' || name.toLowerCase() === 'trailer'
    case 10: {
      const n = name.toLowerCase()
      return n === 'connection' || n === 'keep-alive' || n === 'set-cookie'
    }
    case 11:
      return name.toLowerCase() === 'set-cookie2'
    case 15:
      return name.toLowerCase() === 'clear-site-data'
    case 16:
      return name.toLowerCase() === 'proxy-connection'
    case 17:
      return name.toLowerCase() === 'transfer-encoding'
    default:
      return false
  }
}

/** Value of `name` (lower-case) in a `[name, value, …]` list, or undefined. */
export function headerValue(pairs: readonly string[], name: string): string | undefined {
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i]!.length === name.length && pairs[i]!.toLowerCase() === name) return pairs[i + 1]
  }
  return undefined
}
