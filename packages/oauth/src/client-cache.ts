import {
  boundedCache,
  cacheUsage,
  serializedSize,
  type BoundedCache,
  type CacheBounds,
  type CacheUsage,
} from '@entryway/xrpc'

/** Fetched client documents (metadata, JWKS) are trusted this long, as the provider's own caches. */
export const CLIENT_CACHE_TTL_MS = 10 * 60_000

/**
 * The provider's caches of client metadata and client JWKS documents (its `SimpleStore` shape),
 * bounded in entries and bytes by the one shared LRU. The provider's own defaults bound bytes
 * only (50 MB each); any client id an app names is fetched and kept.
 */
export class BoundedClientCache<V extends object> {
  private readonly m: BoundedCache<string, { v: V; until: number }>

  constructor(
    bounds: CacheBounds,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CLIENT_CACHE_TTL_MS,
  ) {
    this.m = boundedCache(bounds, (e) => serializedSize(e.v) + 8)
  }

  get(key: string): V | undefined {
    const e = this.m.get(key)
    if (e === undefined) return undefined
    if (this.now() >= e.until) {
      this.m.delete(key)
      return undefined
    }
    return e.v
  }

  set(key: string, value: V): void {
    this.m.set(key, { v: value, until: this.now() + this.ttlMs })
  }

  del(key: string): void {
    this.m.delete(key)
  }

  clear(): void {
    this.m.clear()
  }

  usage(): CacheUsage {
    return cacheUsage(this.m)
  }
}
