import type { LRUCache } from 'lru-cache'
import type { FastifyBaseLogger } from 'fastify'
import {
  boundedCache,
  cacheUsage,
  serializedSize,
  type CacheUsage,
  type DidDocResolver,
  type DidDocument,
  type ResolveOptions,
} from '@entryway/xrpc'
import {
  DEFAULT_BUDGET_TRACKED_CLIENTS,
  DEFAULT_BUDGET_TRACKED_BYTES,
  DEFAULT_RESOLUTION_BUDGET_WINDOW_MS,
  DEFAULT_UNCACHED_RESOLUTIONS_PER_CLIENT,
  ResolutionBudget,
} from './resolution-budget.js'

/** PDS defaults (`PDS_DID_CACHE_STALE_TTL` / `_MAX_TTL`). */
export const DEFAULT_DID_STALE_TTL_MS = 60 * 60_000
export const DEFAULT_DID_MAX_TTL_MS = 24 * 60 * 60_000
/** Time allowed for one PLC / did:web lookup. */
export const DEFAULT_DID_RESOLVE_TIMEOUT_MS = 3_000
export const DEFAULT_DID_CACHE_SIZE = 100_000
/** A PLC document is ~0.6–1 kB serialized: 64 MiB holds the 100,000 entries with room to spare. */
export const DEFAULT_DID_CACHE_MAX_BYTES = 64 * 1024 * 1024
/** Distinct DIDs fetched at once that share one fetch; beyond, a fetch is not shared (nor kept). */
export const DEFAULT_DID_MAX_INFLIGHT = 10_000
/** "This DID does not exist" is remembered only briefly: a DID appears the moment its genesis op lands. */
export const DEFAULT_DID_NEGATIVE_TTL_MS = 10_000
/** After a failed background refresh, the stale document is served without retrying for this long. */
export const DEFAULT_DID_REFRESH_BACKOFF_MS = 30_000
/** Background refreshes running at once; more are skipped (the next request retries). */
export const DEFAULT_DID_MAX_BACKGROUND_REFRESHES = 16
/**
 * A client's forced refresh of a DID fetched less than this ago answers the copy just fetched. A forged
 * service JWT forces one refresh per request (its signature fails, the verifier retries with a
 * fresh key); a key really rotated is picked up at most this late.
 */
export const DEFAULT_DID_MIN_FORCED_REFRESH_INTERVAL_MS = 30_000

/** Fetches a document with no caching: `null` when the DID does not exist, throws when unreachable. */
export type DidDocFetcher = (did: string) => Promise<DidDocument | null>

export interface DidDocCacheOptions {
  fetch: DidDocFetcher
  /** @default 1 h */
  staleTtlMs?: number
  /** @default 24 h */
  maxTtlMs?: number
  /** @default 3000 */
  timeoutMs?: number
  /** Entries at most. @default 100000 */
  maxSize?: number
  /** Estimated bytes at most (serialized documents and keys). @default 67108864 (64 MiB) */
  maxBytes?: number
  /** DIDs being fetched at once whose fetch is shared by concurrent lookups. @default 10000 */
  maxInflight?: number
  /** @default 10000 */
  negativeTtlMs?: number
  /** @default 30000 */
  refreshBackoffMs?: number
  /** @default 16 */
  maxBackgroundRefreshes?: number
  /** @default 30000 */
  minForcedRefreshIntervalMs?: number
  /** Uncached resolutions one client address may cause per `resolutionBudgetWindowMs`. @default 60 */
  uncachedResolutionsPerClient?: number
  /** @default 60000 */
  resolutionBudgetWindowMs?: number
  /** Client addresses whose budget is tracked at once (least recently seen forgotten first). @default 50000 */
  budgetTrackedClients?: number
  /** Estimated bytes of the budget's table at most. @default 4194304 (4 MiB) */
  budgetTrackedBytes?: number
  log?: Pick<FastifyBaseLogger, 'warn'>
  now?: () => number
}

interface Entry {
  doc: DidDocument | null
  fetchedAt: number
  /** No background refresh before this time (set after a failure). */
  retryAfter: number
}

/**
 * DID documents with stale-while-revalidate: fresh entries are served as is, stale ones are
 * served at once while one background refresh runs, expired or missing ones are fetched (one
 * fetch per DID at a time, bounded by a timeout). A resolver outage therefore never delays a
 * DID that is cached, and never holds a request longer than `timeoutMs`.
 */
export class DidDocCache implements DidDocResolver {
  private readonly entries: LRUCache<string, Entry>
  private readonly inflight = new Map<string, Promise<DidDocument | null>>()
  private background = 0
  private readonly budget: ResolutionBudget
  private readonly o: Required<Omit<DidDocCacheOptions, 'log'>> & {
    log?: DidDocCacheOptions['log']
  }

  constructor(opts: DidDocCacheOptions) {
    this.o = {
      fetch: opts.fetch,
      staleTtlMs: opts.staleTtlMs ?? DEFAULT_DID_STALE_TTL_MS,
      maxTtlMs: opts.maxTtlMs ?? DEFAULT_DID_MAX_TTL_MS,
      timeoutMs: opts.timeoutMs ?? DEFAULT_DID_RESOLVE_TIMEOUT_MS,
      maxSize: opts.maxSize ?? DEFAULT_DID_CACHE_SIZE,
      maxBytes: opts.maxBytes ?? DEFAULT_DID_CACHE_MAX_BYTES,
      maxInflight: opts.maxInflight ?? DEFAULT_DID_MAX_INFLIGHT,
      negativeTtlMs: opts.negativeTtlMs ?? DEFAULT_DID_NEGATIVE_TTL_MS,
      refreshBackoffMs: opts.refreshBackoffMs ?? DEFAULT_DID_REFRESH_BACKOFF_MS,
      maxBackgroundRefreshes: opts.maxBackgroundRefreshes ?? DEFAULT_DID_MAX_BACKGROUND_REFRESHES,
      minForcedRefreshIntervalMs:
        opts.minForcedRefreshIntervalMs ?? DEFAULT_DID_MIN_FORCED_REFRESH_INTERVAL_MS,
      uncachedResolutionsPerClient:
        opts.uncachedResolutionsPerClient ?? DEFAULT_UNCACHED_RESOLUTIONS_PER_CLIENT,
      resolutionBudgetWindowMs:
        opts.resolutionBudgetWindowMs ?? DEFAULT_RESOLUTION_BUDGET_WINDOW_MS,
      budgetTrackedClients: opts.budgetTrackedClients ?? DEFAULT_BUDGET_TRACKED_CLIENTS,
      budgetTrackedBytes: opts.budgetTrackedBytes ?? DEFAULT_BUDGET_TRACKED_BYTES,
      log: opts.log,
      now: opts.now ?? Date.now,
    }
    if (!(this.o.staleTtlMs > 0 && this.o.maxTtlMs >= this.o.staleTtlMs)) {
      throw new Error('@entryway/proxy: DidDocCache needs 0 < staleTtlMs <= maxTtlMs')
    }
    for (const k of ['maxSize', 'maxBytes', 'maxInflight'] as const) {
      if (!Number.isInteger(this.o[k]) || this.o[k] <= 0)
        throw new Error(`@entryway/proxy: DidDocCache ${k} must be a positive integer`)
    }
    // an entry is its document (or null) and two numbers
    this.entries = boundedCache(
      { maxEntries: this.o.maxSize, maxBytes: this.o.maxBytes },
      (e) => serializedSize(e.doc) + 16,
    )
    this.budget = new ResolutionBudget(
      this.o.uncachedResolutionsPerClient,
      this.o.resolutionBudgetWindowMs,
      this.o.now,
      { maxEntries: this.o.budgetTrackedClients, maxBytes: this.o.budgetTrackedBytes },
    )
  }

  /**
   * The document, from memory when possible. A fetch that must go out is charged to
   * `opts.client` (the address of the client whose request named the DID; internal callers pass
   * none): over its budget, RateLimitExceeded is thrown and nothing is fetched. Joining a fetch
   * already running for the DID costs nothing.
   */
  async resolve(did: string, opts?: ResolveOptions): Promise<DidDocument | null> {
    if (opts?.forceRefresh) {
      // A client-named DID refreshed a moment ago: that answer is as fresh as a new fetch would
      // be. The Entryway's own forced refreshes (a PDS said AccountNotFound for a verified
      // account, a handle changed) name no client and always fetch.
      const e = opts.client === undefined ? undefined : this.entries.get(did)
      if (e && this.o.now() - e.fetchedAt < this.o.minForcedRefreshIntervalMs) return e.doc
      try {
        return await this.fetchCharged(did, opts.client)
      } catch (err) {
        // a forced refresh that fails still has the (unexpired) answer we had
        const cached = this.peek(did)
        if (cached !== undefined) return cached
        throw err
      }
    }
    const cached = this.peek(did)
    if (cached !== undefined) return cached
    return this.fetchCharged(did, opts?.client)
  }

  /**
   * The cached document without waiting: `undefined` when nothing usable is cached. A stale entry
   * is returned and refreshed in the background.
   */
  peek(did: string): DidDocument | null | undefined {
    const e = this.entries.get(did)
    if (!e) return undefined
    const now = this.o.now()
    const age = now - e.fetchedAt
    if (e.doc === null) return age < this.o.negativeTtlMs ? null : undefined
    if (age >= this.o.maxTtlMs) return undefined
    if (age >= this.o.staleTtlMs && now >= e.retryAfter) this.refreshInBackground(did, e)
    return e.doc
  }

  /** Warms the cache without waiting (the proxy calls this when it routed by the database row). */
  prefetch(did: string): void {
    if (this.entries.has(did) || this.inflight.has(did)) return
    if (this.background >= this.o.maxBackgroundRefreshes) return
    this.background++
    this.fetchOnce(did)
      .catch((err) => this.o.log?.warn({ err, did }, 'did document prefetch failed'))
      .finally(() => this.background--)
  }

  /** Drops a DID (its next lookup fetches). */
  invalidate(did: string): void {
    this.entries.delete(did)
  }

  get size(): number {
    return this.entries.size
  }

  /** Entries and estimated bytes held (documents; the budget's table is `budgetUsage`). */
  usage(): CacheUsage {
    return cacheUsage(this.entries)
  }

  /** Entries and estimated bytes of the per-client resolution budget. */
  budgetUsage(): CacheUsage {
    return this.budget.usage()
  }

  /** Fetches running whose result is shared (at most `maxInflight`). */
  get inflightCount(): number {
    return this.inflight.size
  }

  private refreshInBackground(did: string, e: Entry): void {
    if (this.inflight.has(did) || this.background >= this.o.maxBackgroundRefreshes) return
    // set before the fetch so concurrent requests do not queue a second refresh
    e.retryAfter = this.o.now() + this.o.refreshBackoffMs
    this.background++
    this.fetchOnce(did)
      .catch((err) =>
        this.o.log?.warn({ err, did }, 'did document refresh failed; serving the stale copy'),
      )
      .finally(() => this.background--)
  }

  private fetchCharged(did: string, client: string | undefined): Promise<DidDocument | null> {
    const running = this.inflight.get(did)
    if (running) return running
    if (client !== undefined) this.budget.charge(client)
    return this.fetchOnce(did)
  }

  /** One fetch per DID at a time; stores the result. */
  private fetchOnce(did: string): Promise<DidDocument | null> {
    const running = this.inflight.get(did)
    if (running) return running
    const p = withTimeout(this.o.fetch(did), this.o.timeoutMs, did)
      .then((doc) => {
        const now = this.o.now()
        this.entries.set(did, { doc, fetchedAt: now, retryAfter: 0 })
        return doc
      })
      .finally(() => {
        if (this.inflight.get(did) === p) this.inflight.delete(did)
      })
    // bounded: past maxInflight distinct DIDs, a fetch is the caller's alone
    if (this.inflight.size < this.o.maxInflight) this.inflight.set(did, p)
    return p
  }
}

export class DidResolveTimeoutError extends Error {
  override name = 'DidResolveTimeoutError'
}

function withTimeout<T>(p: Promise<T>, ms: number, did: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DidResolveTimeoutError(`resolving ${did} took longer than ${ms} ms`)),
      ms,
    )
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
