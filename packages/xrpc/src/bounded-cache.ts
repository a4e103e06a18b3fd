import { LRUCache } from 'lru-cache'

/** How much one per-process cache may hold: both bounds apply, the least recently used go first. */
export interface CacheBounds {
  /** Entries at most. */
  maxEntries: number
  /** Estimated bytes at most (keys and values, by serialized length). */
  maxBytes: number
}

/** A cache made by `boundedCache`. */
export type BoundedCache<K extends string, V extends object> = LRUCache<K, V>

/** What a cache holds now, for metrics and tests. */
export interface CacheUsage {
  entries: number
  bytes: number
}

/**
 * The one bounded LRU every per-process cache uses (lru-cache with `max` and `maxSize`). `sizeOf`
 * estimates an entry's bytes (the key's length is added); an entry larger than `maxBytes` alone
 * is not stored.
 */
export function boundedCache<K extends string, V extends object>(
  bounds: CacheBounds,
  sizeOf: (value: V) => number,
): LRUCache<K, V> {
  return new LRUCache<K, V>({
    max: bounds.maxEntries,
    maxSize: bounds.maxBytes,
    sizeCalculation: (value, key) => Math.max(1, Math.ceil(sizeOf(value) + key.length)),
  })
}

/** Entries and estimated bytes of a cache made by `boundedCache`. */
export function cacheUsage(cache: {
  readonly size: number
  readonly calculatedSize: number
}): CacheUsage {
  return { entries: cache.size, bytes: cache.calculatedSize }
}

/** Estimated size of a JSON value (its serialized length); unserializable values count 1 kB. */
export function serializedSize(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 4
  } catch {
    return 1024
  }
}
