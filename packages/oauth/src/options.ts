import { optionsKit } from '@entryway/xrpc'
import type { OAuthAccountBackend } from './account-backend.js'
import type { OAuthStores } from './stores.js'

/** Access token lifetime. PDSes verify OAuth tokens statelessly (they cannot see a revocation), so ≤ 15 min. */
export const DEFAULT_TOKEN_MAX_AGE_MS = 15 * 60 * 1000
/** The atproto OAuth profile: access tokens that cannot be revoked must not live longer than this. */
export const MAX_TOKEN_MAX_AGE_MS = 15 * 60 * 1000
/** Scopes at least this long go into access tokens as `ref:<hash>`, dereferenced by the PDS. */
export const DEFAULT_SCOPE_REF_MIN_LENGTH = 256
export const DPOP_SECRET_BYTES = 32
/** Client metadata (and, apart, client JWKS) documents kept per process. */
export const DEFAULT_CLIENT_CACHE_SIZE = 5_000
/** A client metadata document is ~0.5–2 kB: 16 MiB holds the 5,000 with room to spare. */
export const DEFAULT_CLIENT_CACHE_MAX_BYTES = 16 * 1024 * 1024

/** A JWK as JSON (jose and @atproto/jwk accept this shape). */
export type JwkJson = Record<string, unknown>

export interface OAuthLink {
  title: string
  href: string
  rel?: 'privacy-policy' | 'terms-of-service' | 'help'
}

export interface OAuthPluginOptions {
  /**
   * The Entryway's public origin, exactly as every PDS has it in `PDS_ENTRYWAY_URL`: the PDS
   * compares the access token's `iss` with it.
   */
  issuer: string
  /** Shown on the sign-in, consent and account pages. */
  serviceName: string
  /**
   * The Entryway's ES256K key (secp256k1) as a private JWK without `kid`: the key each PDS knows as
   * `PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX`. Keys of earlier rotations, public only, still
   * verify what they signed.
   */
  signingKey: { privateJwk: JwkJson; previousPublicJwks?: readonly JwkJson[] }
  /** 32 bytes shared by every Entryway instance: DPoP nonces issued by one are accepted by all. */
  dpopSecret: Uint8Array
  accounts: OAuthAccountBackend
  stores: OAuthStores
  /** @default 900000 (15 min) */
  tokenMaxAgeMs?: number
  /** @default 256 */
  scopeRefMinLength?: number
  /** Links in the page footers (privacy policy, terms of service, help). @default [] */
  links?: readonly OAuthLink[]
  /**
   * Fetch used for client metadata and JWKS documents. The default is the provider's SSRF-safe
   * fetch (https only, public IPs, size and time caps); tests may pass one that reaches loopback.
   * @default the provider's safe fetch
   */
  safeFetch?: typeof globalThis.fetch
  /** Client metadata documents kept in memory (and as many client JWKS). @default 5000 */
  clientCacheSize?: number
  /** Estimated bytes of client metadata kept in memory (and as many of JWKS). @default 16777216 (16 MiB) */
  clientCacheMaxBytes?: number
}

export interface ResolvedOAuthOptions {
  issuer: string
  serviceName: string
  signingKey: Readonly<{ privateJwk: JwkJson; previousPublicJwks: readonly JwkJson[] }>
  dpopSecret: Uint8Array
  accounts: OAuthAccountBackend
  stores: OAuthStores
  tokenMaxAgeMs: number
  scopeRefMinLength: number
  links: readonly OAuthLink[]
  safeFetch: typeof globalThis.fetch | undefined
  clientCacheSize: number
  clientCacheMaxBytes: number
}

const STORE_NAMES = [
  'requests',
  'devices',
  'deviceAccounts',
  'authorizedClients',
  'tokens',
  'lexicons',
  'replay',
  'scopeRefs',
] as const
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

const kit = optionsKit('@entryway/oauth')
// a declared function, so the compiler knows the code after a failed check does not run
function fail(msg: string): never {
  return kit.fail(msg)
}

/** Validates and fills defaults; returns a new frozen object and never mutates `raw`. */
export function resolveOptions(raw: OAuthPluginOptions): Readonly<ResolvedOAuthOptions> {
  kit.object(raw)
  const issuer = checkIssuer(raw.issuer)
  if (typeof raw.serviceName !== 'string' || raw.serviceName.trim() === '')
    fail('serviceName must be a non-empty string')

  const key = raw.signingKey?.privateJwk
  if (!key || key.kty !== 'EC' || key.crv !== 'secp256k1' || typeof key.d !== 'string') {
    fail('signingKey.privateJwk must be a secp256k1 (ES256K) private JWK')
  }
  if (key.kid !== undefined)
    fail('signingKey.privateJwk must have no kid: PDSes verify OAuth tokens with a kid-less key')
  const previous = raw.signingKey.previousPublicJwks ?? []
  for (const p of previous) {
    if (p.kty !== 'EC' || p.crv !== 'secp256k1' || p.d !== undefined)
      fail('signingKey.previousPublicJwks must be secp256k1 public JWKs')
  }

  if (!(raw.dpopSecret instanceof Uint8Array) || raw.dpopSecret.length !== DPOP_SECRET_BYTES) {
    fail(`dpopSecret must be ${DPOP_SECRET_BYTES} bytes`)
  }
  if (
    !raw.accounts ||
    typeof raw.accounts.authenticate !== 'function' ||
    typeof raw.accounts.getAccount !== 'function'
  ) {
    fail('accounts must implement authenticate() and getAccount()')
  }
  if (!raw.stores || typeof raw.stores !== 'object') fail('stores are required')
  for (const name of STORE_NAMES) if (!raw.stores[name]) fail(`stores.${name} is required`)

  const tokenMaxAgeMs = raw.tokenMaxAgeMs ?? DEFAULT_TOKEN_MAX_AGE_MS
  if (
    !Number.isInteger(tokenMaxAgeMs) ||
    tokenMaxAgeMs < 60_000 ||
    tokenMaxAgeMs > MAX_TOKEN_MAX_AGE_MS
  ) {
    fail(`tokenMaxAgeMs must be an integer between 60000 and ${MAX_TOKEN_MAX_AGE_MS}`)
  }
  const scopeRefMinLength = raw.scopeRefMinLength ?? DEFAULT_SCOPE_REF_MIN_LENGTH
  if (!Number.isInteger(scopeRefMinLength) || scopeRefMinLength < 0)
    fail('scopeRefMinLength must be a non-negative integer')

  const links = (raw.links ?? []).map((l) => {
    if (typeof l?.title !== 'string' || !/^https?:\/\//.test(l?.href ?? ''))
      fail('links need a title and an http(s) href')
    return Object.freeze({ ...l })
  })
  if (raw.safeFetch !== undefined && typeof raw.safeFetch !== 'function')
    fail('safeFetch must be a function')

  return Object.freeze({
    issuer,
    serviceName: raw.serviceName.trim(),
    signingKey: Object.freeze({
      privateJwk: Object.freeze({ ...key }),
      previousPublicJwks: Object.freeze(previous.map((p) => Object.freeze({ ...p }))),
    }),
    dpopSecret: Uint8Array.from(raw.dpopSecret),
    accounts: raw.accounts,
    stores: Object.freeze({ ...raw.stores }),
    tokenMaxAgeMs,
    scopeRefMinLength,
    links: Object.freeze(links),
    safeFetch: raw.safeFetch,
    clientCacheSize: kit.positiveInt(
      'clientCacheSize',
      raw.clientCacheSize,
      DEFAULT_CLIENT_CACHE_SIZE,
    ),
    clientCacheMaxBytes: kit.positiveInt(
      'clientCacheMaxBytes',
      raw.clientCacheMaxBytes,
      DEFAULT_CLIENT_CACHE_MAX_BYTES,
    ),
  })
}

/** The PDS parses its issuer strictly (an origin; https, or http on loopback) and crashes otherwise. */
function checkIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string') fail('issuer must be a string')
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    fail('issuer must be a URL')
  }
  if (url.origin !== issuer)
    fail('issuer must be an origin with no trailing slash, path, query or credentials')
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    fail('issuer must be https (http only on localhost)')
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('issuer must be https')
  return issuer
}
