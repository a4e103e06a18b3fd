import type { IncomingHttpHeaders } from 'node:http'

/** What the `Authorization` header (and `DPoP`) of a request amounts to, before any verification. */
export type Credentials =
  | { kind: 'none' }
  /** One of our session tokens (`typ: at+jwt` / `refresh+jwt`): verified, then routed by `sub`. */
  | { kind: 'session'; token: string }
  /** A service JWT (`typ: JWT`): unverified `aud` and `iss`, used only to pick or refuse a route. */
  | { kind: 'service'; aud: string; iss: string }
  /** OAuth DPoP-bound: the proof is bound to the PDS URL, so it cannot be forwarded. */
  | { kind: 'dpop'; sub: string | null }
  /** Basic or anything else: forwarded as is and routed like an unauthenticated request. */
  | { kind: 'other' }

const NONE: Credentials = { kind: 'none' }
const OTHER: Credentials = { kind: 'other' }

export function readCredentials(
  headers: IncomingHttpHeaders,
  isKnownSessionToken: (token: string) => boolean,
): Credentials {
  const auth = headers.authorization
  if (!auth) return headers.dpop ? { kind: 'dpop', sub: null } : NONE
  const sp = auth.indexOf(' ')
  if (sp <= 0) return OTHER
  const scheme = auth.slice(0, sp).toLowerCase()
  const token = auth.slice(sp + 1).trim()
  if (scheme === 'dpop' || headers.dpop)
    return { kind: 'dpop', sub: stringClaim(decodeSegment(token, 1), 'sub') }
  if (scheme !== 'bearer' || !token) return OTHER
  // the verified-token cache answers the common case without decoding anything
  if (isKnownSessionToken(token)) return { kind: 'session', token }
  const header = decodeSegment(token, 0)
  const typ =
    typeof header?.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : ''
  if (typ === 'at+jwt' || typ === 'refresh+jwt') return { kind: 'session', token }
  const payload = decodeSegment(token, 1)
  const aud = stringClaim(payload, 'aud')
  const iss = stringClaim(payload, 'iss')
  if (aud && iss) return { kind: 'service', aud, iss }
  // not a JWT we can read: let the verifier produce the proper InvalidToken error
  return { kind: 'session', token }
}

function decodeSegment(token: string, i: number): Record<string, unknown> | null {
  const part = token.split('.')[i]
  if (!part) return null
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null
  } catch {
    return null
  }
}

function stringClaim(obj: Record<string, unknown> | null, k: string): string | null {
  const v = obj?.[k]
  return typeof v === 'string' ? v : null
}
