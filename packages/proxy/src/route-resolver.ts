import type { LRUCache } from 'lru-cache'
import type { FastifyBaseLogger } from 'fastify'
import {
  boundedCache,
  cacheUsage,
  type CacheBounds,
  type CacheUsage,
  getPdsEndpoint,
  InvalidRequestError,
  UpstreamFailureError,
  XrpcError,
  type DidDocResolver,
  type DidDocument,
} from '@entryway/xrpc'
import type { AccountRoutes } from './account-routes.js'
import { originOf, type HostSnapshot, type RoutableHost } from './host-directory.js'
import { ipLiteralOf, isPublicAddress } from './address-guard.js'

/** A DID resolver the router can consult without waiting (DidDocCache implements it). */
export interface CachingDidResolver extends DidDocResolver {
  /** The cached document (`null`: known not to exist), or `undefined` when nothing usable is cached. */
  peek(did: string): DidDocument | null | undefined
  /** Starts a fetch in the background when nothing is cached. */
  prefetch(did: string): void
}

export type Route =
  /** Forward to this origin. `host` is set for fleet hosts. */
  | { kind: 'forward'; origin: string; host: RoutableHost | null }
  /** The DID document names a PDS we must not forward to. */
  | { kind: 'refused'; endpoint: string }
  /** Nothing known about this DID (no row, no document, or no PDS in it). */
  | { kind: 'unknown' }

const UNKNOWN: Route = { kind: 'unknown' }

export interface RouteResolverOptions {
  accounts: AccountRoutes
  didResolver: DidDocResolver
  allowedOrigins: ReadonlySet<string>
  snapshot: () => HostSnapshot
  cacheTtlMs: number
  negativeTtlMs: number
  /** account → host rows. */
  rowBounds: CacheBounds
  /** handle → DID answers. */
  handleBounds: CacheBounds
  now: () => number
  log: FastifyBaseLogger
}

interface RowHit {
  /** Public origin of the host, or null when the Entryway has no row. */
  origin: string | null
  until: number
}

/**
 * did → where to forward. The DID document's `#atproto_pds` is the authority (a moved account is
 * followed as soon as its document is); the Entryway's own account row is the fast path while no
 * document is cached, and the document is fetched in the background meanwhile.
 */
export class RouteResolver {
  private readonly rows: LRUCache<string, RowHit>
  private readonly handles: LRUCache<string, { did: string | null; until: number }>
  /** `getPdsEndpoint` validates and `originOf` parses a URL: do both once per document object. */
  private readonly endpoints = new WeakMap<
    DidDocument,
    { endpoint: string | null; origin: string | null }
  >()
  private readonly caching: CachingDidResolver | null

  constructor(private readonly o: RouteResolverOptions) {
    // a row is an origin (or null) and a time; a handle's answer a DID (or null) and a time
    this.rows = boundedCache(o.rowBounds, (r) => (r.origin?.length ?? 4) + 16)
    this.handles = boundedCache(o.handleBounds, (h) => (h.did?.length ?? 4) + 16)
    const r = o.didResolver as Partial<CachingDidResolver>
    this.caching =
      typeof r.peek === 'function' && typeof r.prefetch === 'function'
        ? (o.didResolver as CachingDidResolver)
        : null
  }

  /** The route from a cached DID document, without waiting; `undefined` when none is cached. */
  peekForDid(did: string): Route | undefined {
    const cached = this.caching?.peek(did)
    return cached === undefined ? undefined : this.fromDoc(cached)
  }

  /** `client`: the address of the client whose request named `did` (charged for a lookup). */
  async forDid(did: string, client?: string): Promise<Route> {
    const cached = this.caching?.peek(did)
    if (cached !== undefined) return this.fromDoc(cached)
    let rowOrigin: string | null = null
    try {
      rowOrigin = await this.rowOrigin(did)
    } catch (err) {
      // the database is only the fast path: without it the DID document still routes
      this.o.log.warn({ err, did }, 'account route lookup failed')
    }
    if (rowOrigin) {
      const host = this.o.snapshot().byOrigin.get(rowOrigin)
      if (host) {
        this.caching?.prefetch(did)
        return { kind: 'forward', origin: host.targetOrigin, host }
      }
    }
    let doc: DidDocument | null
    try {
      doc = await this.o.didResolver.resolve(did, client === undefined ? undefined : { client })
    } catch (err) {
      if (err instanceof XrpcError) throw err // over the client's lookup budget: 429
      this.o.log.warn({ err, did }, 'did document unavailable for routing')
      throw unresolvableDid(did, err)
    }
    return this.fromDoc(doc)
  }

  /** Handle → DID for `repo` params, through the Entryway's own table only (never DNS). */
  async didForHandle(handle: string): Promise<string | null> {
    const key = handle.toLowerCase()
    const now = this.o.now()
    const hit = this.handles.get(key)
    if (hit && now < hit.until) return hit.did
    const did = await this.o.accounts.didForHandle(key)
    this.handles.set(key, { did, until: now + (did ? this.o.cacheTtlMs : this.o.negativeTtlMs) })
    return did
  }

  /** Entries and estimated bytes of the account-row cache. */
  rowUsage(): CacheUsage {
    return cacheUsage(this.rows)
  }

  /** Entries and estimated bytes of the handle cache. */
  handleUsage(): CacheUsage {
    return cacheUsage(this.handles)
  }

  /** Forgets what the database said (the PDS answered AccountNotFound). */
  forget(did: string): void {
    this.rows.delete(did)
  }

  /** The PDS endpoint a document names, if any. */
  endpointOf(doc: DidDocument): string | null {
    return this.parsed(doc).endpoint
  }

  private parsed(doc: DidDocument): { endpoint: string | null; origin: string | null } {
    let e = this.endpoints.get(doc)
    if (e === undefined) {
      let endpoint: string | null
      try {
        endpoint = getPdsEndpoint(doc)
      } catch {
        endpoint = null
      }
      e = { endpoint, origin: endpoint ? originOf(endpoint) : null }
      this.endpoints.set(doc, e)
    }
    return e
  }

  private fromDoc(doc: DidDocument | null): Route {
    if (!doc) return UNKNOWN
    const { endpoint, origin } = this.parsed(doc)
    if (!endpoint) return UNKNOWN
    if (!origin) return { kind: 'refused', endpoint }
    const host = this.o.snapshot().byOrigin.get(origin)
    if (host) return { kind: 'forward', origin: host.targetOrigin, host }
    if (this.o.allowedOrigins.has(origin)) {
      // an allow-listed name is fine; an allow-listed private IP literal never is
      const ip = ipLiteralOf(new URL(origin).hostname)
      if (ip && !isPublicAddress(ip)) return { kind: 'refused', endpoint }
      return { kind: 'forward', origin, host: null }
    }
    return { kind: 'refused', endpoint }
  }

  private async rowOrigin(did: string): Promise<string | null> {
    const now = this.o.now()
    const hit = this.rows.get(did)
    if (hit && now < hit.until) return hit.origin
    const url = await this.o.accounts.hostUrlForDid(did)
    const origin = url ? originOf(url) : null
    this.rows.set(did, { origin, until: now + (origin ? this.o.cacheTtlMs : this.o.negativeTtlMs) })
    return origin
  }
}

/**
 * Why a DID named by a request could not be resolved, as the client should hear it. The PLC
 * directory is the Entryway's own dependency: when it is down or slow, that is an upstream
 * failure (502). Anything else (a did:web host that refuses, is private or serves garbage, a
 * document PLC will not give, an unsupported method) is the client's choice of DID: 400
 * RepoNotFound, as the reference PDS answers for a repo it cannot find.
 */
function unresolvableDid(did: string, err: unknown): XrpcError {
  if (did.startsWith('did:plc:') && isOutage(err)) {
    return new UpstreamFailureError('The PLC directory could not be reached', { cause: err })
  }
  return new InvalidRequestError(
    `Could not resolve the DID document of ${did.slice(0, 200)}`,
    'RepoNotFound',
  )
}

/** A network failure, a timeout or a 5xx, as opposed to an answer about the DID itself. */
function isOutage(err: unknown): boolean {
  const e = err as { name?: unknown; status?: unknown } | null
  if (typeof e?.status === 'number') return e.status >= 500
  // fetch's "fetch failed" is a TypeError; AbortSignal.timeout and our own timer name theirs
  return (
    e?.name === 'TypeError' ||
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    e?.name === 'DidResolveTimeoutError'
  )
}
