import { optionsKit, type CacheUsage, type DidDocResolver } from '@entryway/xrpc'
import type { HostDirectory } from './host-directory.js'
import type { AccountRoutes } from './account-routes.js'
import type { AccessTokenVerifier } from './verified-token-cache.js'
import { ENTRYWAY_RESERVED_NSIDS } from './owned-nsids.js'

/** Headers and body must both arrive within this (headers) / between chunks (body). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000
/** A PDS that does not accept the TCP connection within this is treated as down. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000
/** Keep-alive sockets per upstream host. */
export const DEFAULT_CONNECTIONS_PER_HOST = 128
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 60_000
/** Consecutive failures to reach a host (refused, reset, timed out) that open its circuit. */
export const DEFAULT_CIRCUIT_THRESHOLD = 5
/** An open circuit refuses this long before a probe may close it. */
export const DEFAULT_CIRCUIT_OPEN_MS = 5_000
/** How often the fleet host list is re-read from the directory. */
export const DEFAULT_HOST_REFRESH_MS = 5_000
/** Verified tokens are trusted this long at most, so takedowns and key rotation bite within a minute. */
export const DEFAULT_TOKEN_CACHE_TTL_MS = 60_000
export const DEFAULT_TOKEN_CACHE_SIZE = 20_000
/** A token is ~0.3–1 kB (it is the key): 16 MiB holds the 20,000 entries. */
export const DEFAULT_TOKEN_CACHE_MAX_BYTES = 16 * 1024 * 1024
/** account → host rows are kept in memory this long (negative answers for much less). */
export const DEFAULT_ROUTE_CACHE_TTL_MS = 5 * 60_000
export const DEFAULT_ROUTE_CACHE_NEGATIVE_TTL_MS = 5_000
export const DEFAULT_ROUTE_CACHE_SIZE = 100_000
/** A row is a DID, an origin and a time (~100 B): 16 MiB holds the 100,000 entries. */
export const DEFAULT_ROUTE_CACHE_MAX_BYTES = 16 * 1024 * 1024
export const DEFAULT_HANDLE_CACHE_SIZE = 10_000
export const DEFAULT_HANDLE_CACHE_MAX_BYTES = 2 * 1024 * 1024

/** Where the proxy reports what it sees (structurally a subset of `@entryway/metrics`' EntrywayMetrics). */
export interface ProxyMetrics {
  /**
   * A forwarded request's PDS answer (status when the headers arrived, or the error's status).
   * `host` is the fleet host's DID, or `external` for an allow-listed origin outside the fleet.
   */
  upstream(host: string, status: number, seconds: number): void
  /** A verified-token cache lookup (`cache` is `'token'`). */
  cacheLookup(cache: string, hit: boolean): void
  /** Registers how to read a cache's entries and bytes (`token`, `route`, `handle`), read when scraped. */
  cacheUsage?(cache: string, read: () => CacheUsage): void
}

export interface ProxyOptions {
  /** The fleet: the only places requests are forwarded to (plus `allowedOrigins`). */
  hosts: HostDirectory
  /** account → host rows (the fast path) and handle → DID for `repo` params. */
  accounts: AccountRoutes
  /** DID documents; the `#atproto_pds` endpoint is the authority on where an account lives. */
  didResolver: DidDocResolver
  /** Verifies the Entryway's own access tokens (results are cached by the plugin). */
  verifyAccessToken: AccessTokenVerifier
  /** The Entryway's DID: service JWTs addressed to it come from a PDS using us as its appview. */
  entrywayDid: string
  /**
   * Extra origins (https only) a DID document may name besides the fleet, e.g. a partner PDS.
   * @default []
   */
  allowedOrigins?: readonly string[]
  /** Where unauthenticated requests without a `repo`/`did` go. @default the first enabled healthy host */
  defaultHostUrl?: string | null
  /** @default 30000 */
  upstreamTimeoutMs?: number
  /** @default 3000 */
  connectTimeoutMs?: number
  /** @default 128 */
  connectionsPerHost?: number
  /** @default 60000 */
  keepAliveTimeoutMs?: number
  /**
   * Consecutive failures to reach a host that open its circuit: then its requests are refused at
   * once (503 `UpstreamUnavailable`) until a probe is answered. @default 5
   */
  circuitThreshold?: number
  /** How long an open circuit refuses before the next probe. @default 5000 */
  circuitOpenMs?: number
  /** @default 5000 */
  hostRefreshMs?: number
  /** @default 60000 (at most 60000) */
  tokenCacheTtlMs?: number
  /** Verified tokens kept at most. @default 20000 */
  tokenCacheSize?: number
  /** Estimated bytes of verified tokens kept at most. @default 16777216 (16 MiB) */
  tokenCacheMaxBytes?: number
  /** @default 300000 */
  routeCacheTtlMs?: number
  /** account → host rows kept at most. @default 100000 */
  routeCacheSize?: number
  /** Estimated bytes of account → host rows kept at most. @default 16777216 (16 MiB) */
  routeCacheMaxBytes?: number
  /** handle → DID answers (for `repo` params) kept at most. @default 10000 */
  handleCacheSize?: number
  /** Estimated bytes of handle → DID answers kept at most. @default 2097152 (2 MiB) */
  handleCacheMaxBytes?: number
  /**
   * NSIDs the Entryway answers itself: the union of the other plugins' exported `*_NSIDS` (derived
   * from their route modules). Reaching the catch-all (a wrong HTTP method, a plugin switched off)
   * they get 501 instead of being forwarded; `ENTRYWAY_RESERVED_NSIDS` are always added.
   * @default []
   */
  ownedNsids?: readonly string[]
  /** Injectable clock for tests. @default Date.now */
  now?: () => number
  /** Receives upstream latency by host and token-cache hits. @default null */
  metrics?: ProxyMetrics | null
}

export interface ResolvedProxyOptions {
  hosts: HostDirectory
  accounts: AccountRoutes
  didResolver: DidDocResolver
  verifyAccessToken: AccessTokenVerifier
  entrywayDid: string
  allowedOrigins: ReadonlySet<string>
  defaultHostUrl: string | null
  upstreamTimeoutMs: number
  connectTimeoutMs: number
  connectionsPerHost: number
  keepAliveTimeoutMs: number
  circuitThreshold: number
  circuitOpenMs: number
  hostRefreshMs: number
  tokenCacheTtlMs: number
  tokenCacheSize: number
  tokenCacheMaxBytes: number
  routeCacheTtlMs: number
  routeCacheSize: number
  routeCacheMaxBytes: number
  handleCacheSize: number
  handleCacheMaxBytes: number
  ownedNsids: ReadonlySet<string>
  now: () => number
  metrics: ProxyMetrics | null
}

const { fail, object, positiveInt, needs, clock } = optionsKit('@entryway/proxy')

/** An origin as `URL.origin` writes it, or a config error. */
export function canonicalOrigin(name: string, raw: string, httpsOnly: boolean): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return fail(`${name}: ${JSON.stringify(raw)} is not a URL`)
  }
  if (u.protocol !== 'https:' && (httpsOnly || u.protocol !== 'http:'))
    fail(`${name}: ${raw} must be ${httpsOnly ? 'https' : 'http(s)'}`)
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password)
    fail(`${name}: ${raw} must be an origin`)
  return u.origin
}

/** Validates and fills defaults; returns a new frozen object and never touches `raw`. */
export function resolveOptions(raw: ProxyOptions): Readonly<ResolvedProxyOptions> {
  object(raw)
  needs('hosts', raw.hosts, 'list')
  needs('accounts', raw.accounts, 'hostUrlForDid', 'didForHandle')
  needs('didResolver', raw.didResolver, 'resolve')
  if (typeof raw.verifyAccessToken !== 'function') fail('verifyAccessToken must be a function')
  if (typeof raw.entrywayDid !== 'string' || !raw.entrywayDid.startsWith('did:'))
    fail('entrywayDid must be a DID')
  if (raw.allowedOrigins !== undefined && !Array.isArray(raw.allowedOrigins))
    fail('allowedOrigins must be an array')
  const allowedOrigins = new Set(
    (raw.allowedOrigins ?? []).map((o) => canonicalOrigin('allowedOrigins', o, true)),
  )
  const defaultHostUrl =
    raw.defaultHostUrl === undefined || raw.defaultHostUrl === null
      ? null
      : canonicalOrigin('defaultHostUrl', raw.defaultHostUrl, false)
  if (
    raw.ownedNsids !== undefined &&
    (!Array.isArray(raw.ownedNsids) || !raw.ownedNsids.every((n) => typeof n === 'string'))
  ) {
    fail('ownedNsids must be an array of NSIDs')
  }
  if (raw.metrics != null) {
    needs('metrics', raw.metrics, 'upstream', 'cacheLookup')
  }
  return Object.freeze({
    hosts: raw.hosts,
    accounts: raw.accounts,
    didResolver: raw.didResolver,
    verifyAccessToken: raw.verifyAccessToken,
    entrywayDid: raw.entrywayDid,
    allowedOrigins,
    defaultHostUrl,
    upstreamTimeoutMs: positiveInt(
      'upstreamTimeoutMs',
      raw.upstreamTimeoutMs,
      DEFAULT_UPSTREAM_TIMEOUT_MS,
    ),
    connectTimeoutMs: positiveInt(
      'connectTimeoutMs',
      raw.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
    ),
    connectionsPerHost: positiveInt(
      'connectionsPerHost',
      raw.connectionsPerHost,
      DEFAULT_CONNECTIONS_PER_HOST,
    ),
    keepAliveTimeoutMs: positiveInt(
      'keepAliveTimeoutMs',
      raw.keepAliveTimeoutMs,
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    ),
    circuitThreshold: positiveInt(
      'circuitThreshold',
      raw.circuitThreshold,
      DEFAULT_CIRCUIT_THRESHOLD,
    ),
    circuitOpenMs: positiveInt('circuitOpenMs', raw.circuitOpenMs, DEFAULT_CIRCUIT_OPEN_MS),
    hostRefreshMs: positiveInt('hostRefreshMs', raw.hostRefreshMs, DEFAULT_HOST_REFRESH_MS),
    tokenCacheTtlMs: positiveInt(
      'tokenCacheTtlMs',
      raw.tokenCacheTtlMs,
      DEFAULT_TOKEN_CACHE_TTL_MS,
      DEFAULT_TOKEN_CACHE_TTL_MS,
    ),
    tokenCacheSize: positiveInt('tokenCacheSize', raw.tokenCacheSize, DEFAULT_TOKEN_CACHE_SIZE),
    routeCacheTtlMs: positiveInt(
      'routeCacheTtlMs',
      raw.routeCacheTtlMs,
      DEFAULT_ROUTE_CACHE_TTL_MS,
    ),
    routeCacheSize: positiveInt('routeCacheSize', raw.routeCacheSize, DEFAULT_ROUTE_CACHE_SIZE),
    tokenCacheMaxBytes: positiveInt(
      'tokenCacheMaxBytes',
      raw.tokenCacheMaxBytes,
      DEFAULT_TOKEN_CACHE_MAX_BYTES,
    ),
    routeCacheMaxBytes: positiveInt(
      'routeCacheMaxBytes',
      raw.routeCacheMaxBytes,
      DEFAULT_ROUTE_CACHE_MAX_BYTES,
    ),
    handleCacheSize: positiveInt('handleCacheSize', raw.handleCacheSize, DEFAULT_HANDLE_CACHE_SIZE),
    handleCacheMaxBytes: positiveInt(
      'handleCacheMaxBytes',
      raw.handleCacheMaxBytes,
      DEFAULT_HANDLE_CACHE_MAX_BYTES,
    ),
    ownedNsids: new Set([...ENTRYWAY_RESERVED_NSIDS.keys(), ...(raw.ownedNsids ?? [])]),
    now: clock(raw.now),
    metrics: raw.metrics ?? null,
  })
}
