import { randomBytes } from 'node:crypto'
import { InvalidRequestError, AuthRequiredError } from '@entryway/xrpc'
import type { JwtKeyring } from './jwt-keyring.js'
import { AuthScope, isAuthScope } from './scopes.js'

/** The PDS's own access lifetime (helpers/auth.ts): 120 min. */
export const DEFAULT_ACCESS_TTL_SEC = 2 * 60 * 60
/** The PDS's own refresh lifetime: 90 days. */
export const DEFAULT_REFRESH_TTL_SEC = 90 * 24 * 60 * 60
/** Clock skew tolerated when checking `exp`/`iat`. */
export const CLOCK_TOLERANCE_SEC = 5

export interface AccessClaims {
  scope: AuthScope
  sub: string
  aud: string
  iat: number
  exp: number
  jti?: string
  iss?: string
}

export interface RefreshClaims {
  scope: typeof AuthScope.Refresh
  sub: string
  aud: string
  iat: number
  exp: number
  jti: string
  iss?: string
}

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url')
const enc = new TextEncoder()

async function signJwt(keyring: JwtKeyring, typ: string, payload: object): Promise<string> {
  const head = b64u(JSON.stringify({ alg: 'ES256K', typ }))
  const body = b64u(JSON.stringify(payload))
  const sig = await keyring.sign(enc.encode(`${head}.${body}`))
  return `${head}.${body}.${b64u(sig)}`
}

export interface MintAccessOptions {
  did: string
  /** The service DID of the PDS that hosts the account (the PDS checks `aud` against its own). */
  pdsDid: string
  scope: AuthScope
  issuer?: string
  ttlSec?: number
  now?: number
}

/** An access token every PDS of the fleet accepts: ES256K, `typ: at+jwt`, `aud` = that PDS. */
export async function createAccessToken(
  keyring: JwtKeyring,
  o: MintAccessOptions,
): Promise<string> {
  const iat = Math.floor((o.now ?? Date.now()) / 1000)
  const claims: AccessClaims = {
    scope: o.scope,
    sub: o.did,
    aud: o.pdsDid,
    iat,
    exp: iat + (o.ttlSec ?? DEFAULT_ACCESS_TTL_SEC),
    jti: randomBytes(16).toString('base64url'),
    ...(o.issuer ? { iss: o.issuer } : {}),
  }
  return signJwt(keyring, 'at+jwt', claims)
}

export interface MintRefreshOptions {
  did: string
  /** The Entryway's DID: PDSes in entryway mode expect it as the refresh token's `aud`. */
  entrywayDid: string
  jti?: string
  ttlSec?: number
  now?: number
}

/** A refresh token: ES256K, `typ: refresh+jwt`, `aud` = the Entryway DID, unique `jti`. */
export async function createRefreshToken(
  keyring: JwtKeyring,
  o: MintRefreshOptions,
): Promise<{ token: string; claims: RefreshClaims }> {
  const iat = Math.floor((o.now ?? Date.now()) / 1000)
  const claims: RefreshClaims = {
    scope: AuthScope.Refresh,
    sub: o.did,
    aud: o.entrywayDid,
    iat,
    exp: iat + (o.ttlSec ?? DEFAULT_REFRESH_TTL_SEC),
    jti: o.jti ?? newRefreshJti(),
  }
  return { token: await signJwt(keyring, 'refresh+jwt', claims), claims }
}

export function newRefreshJti(): string {
  return randomBytes(24).toString('base64url')
}

interface Decoded {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signingInput: Uint8Array
  signature: Uint8Array
}

const B64URL = /^[A-Za-z0-9_-]*$/

/** Strict split and decode; never trusts the header's `alg` beyond requiring ES256K. */
function decode(token: string): Decoded {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts.every((p) => p.length > 0 && B64URL.test(p)))
    throw invalid('Malformed token')
  let header: unknown
  let payload: unknown
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'))
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'))
  } catch {
    throw invalid('Malformed token')
  }
  if (!isObject(header) || !isObject(payload)) throw invalid('Malformed token')
  const signature = Buffer.from(parts[2]!, 'base64url')
  // Re-encoding must round-trip: rejects non-canonical base64url (padding bits) in the signature.
  if (signature.length !== 64 || b64u(signature) !== parts[2]) throw invalid('Bad token signature')
  return { header, payload, signingInput: enc.encode(`${parts[0]}.${parts[1]}`), signature }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const invalid = (message = 'Token could not be verified') =>
  new InvalidRequestError(message, 'InvalidToken')

export interface VerifyOptions {
  /** When set, `aud` must be one of these. Access tokens are accepted with any PDS `aud` at the Entryway. */
  audience?: readonly string[]
  now?: number
  /** Accept an expired token (deleteSession revokes expired refresh tokens too, as the PDS does). */
  allowExpired?: boolean
}

function normalizeTyp(typ: unknown): string | null {
  // jose normalises `typ` case-insensitively and strips `application/`; do the same
  if (typeof typ !== 'string') return null
  const t = typ.toLowerCase()
  return t.startsWith('application/') ? t.slice('application/'.length) : t
}

async function verifyCommon(
  keyring: JwtKeyring,
  token: string,
  typ: string,
  o: VerifyOptions,
): Promise<Record<string, unknown>> {
  const d = decode(token)
  if (d.header.alg !== 'ES256K') throw invalid('Unsupported token algorithm')
  if (normalizeTyp(d.header.typ) !== typ) throw invalid('Invalid token type')
  if (d.header.crit !== undefined) throw invalid('Unsupported token header')
  const p = d.payload
  const nowMs = o.now ?? Date.now()
  const now = Math.floor(nowMs / 1000)
  if (typeof p.exp !== 'number' || !Number.isFinite(p.exp)) throw invalid('Token has no expiry')
  if (typeof p.iat !== 'number' || !Number.isFinite(p.iat)) throw invalid('Token has no issue time')
  // No token of ours lives longer than the keyring's maximum: a longer one was not minted by us.
  if (p.exp - p.iat > keyring.maxTokenLifetimeSec) throw invalid('Token lifetime is too long')
  if (!(await keyring.verify(d.signingInput, d.signature, { iatSec: p.iat, nowMs })))
    throw invalid('Token signature is invalid')
  if (!o.allowExpired && p.exp + CLOCK_TOLERANCE_SEC <= now)
    throw new InvalidRequestError('Token has expired', 'ExpiredToken')
  if (p.iat - CLOCK_TOLERANCE_SEC > now) throw invalid('Token issued in the future')
  if (p.nbf !== undefined && (typeof p.nbf !== 'number' || p.nbf - CLOCK_TOLERANCE_SEC > now))
    throw invalid('Token not yet valid')
  if (typeof p.sub !== 'string' || !p.sub.startsWith('did:'))
    throw invalid('Malformed token subject')
  if (typeof p.aud !== 'string' || !p.aud.startsWith('did:'))
    throw invalid('Malformed token audience')
  if (o.audience && !o.audience.includes(p.aud)) throw invalid('Bad token audience')
  if (p.lxm !== undefined) throw invalid('Malformed token: service auth tokens are not sessions')
  if (p.cnf !== undefined) throw invalid('Malformed token: bound tokens need DPoP')
  if (p.jti !== undefined && typeof p.jti !== 'string') throw invalid('Malformed token id')
  return p
}

/** Verifies an access token as the PDS does (auth-verifier.ts `verifyBearerJwt`), plus a key rotation set. */
export async function verifyAccessToken(
  keyring: JwtKeyring,
  token: string,
  o: VerifyOptions = {},
): Promise<AccessClaims> {
  const p = await verifyCommon(keyring, token, 'at+jwt', o)
  if (!isAuthScope(p.scope) || p.scope === AuthScope.Refresh) throw invalid('Bad token scope')
  return p as unknown as AccessClaims
}

/** Verifies a refresh token: `typ: refresh+jwt`, scope `com.atproto.refresh`, `jti` required. */
export async function verifyRefreshToken(
  keyring: JwtKeyring,
  token: string,
  o: VerifyOptions = {},
): Promise<RefreshClaims> {
  const p = await verifyCommon(keyring, token, 'refresh+jwt', o)
  if (p.scope !== AuthScope.Refresh) throw invalid('Bad token scope')
  if (typeof p.jti !== 'string' || !p.jti)
    throw new AuthRequiredError('Unexpected missing refresh token id', 'MissingTokenId')
  return p as unknown as RefreshClaims
}
