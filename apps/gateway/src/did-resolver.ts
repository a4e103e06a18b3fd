import type { FastifyBaseLogger } from 'fastify'
import type { EntrywayMetrics } from '@entryway/metrics'
import { createDidDocFetcher, DidDocCache, type CachingDidResolver } from '@entryway/proxy'
import type { ResolveOptions } from '@entryway/xrpc'
import type { ServerConfig } from './config/config.js'

/** Time allowed for one PLC / did:web lookup. */
export const DID_RESOLVE_TIMEOUT_MS = 3_000

/**
 * The gateway's one DID resolver: a bounded cache in front of PLC and did:web, whose every lookup
 * is counted (a hit: answered from memory, fresh or stale) and whose size is read when scraped.
 */
export function createDidResolver(
  cfg: ServerConfig,
  metrics: EntrywayMetrics,
  log: FastifyBaseLogger,
): CachingDidResolver {
  const cache = new DidDocCache({
    fetch: createDidDocFetcher({ plcUrl: cfg.plc.url, timeoutMs: DID_RESOLVE_TIMEOUT_MS }),
    timeoutMs: DID_RESOLVE_TIMEOUT_MS,
    ...(cfg.caches.did.entries ? { maxSize: cfg.caches.did.entries } : {}),
    ...(cfg.caches.did.bytes ? { maxBytes: cfg.caches.did.bytes } : {}),
    log,
  })
  metrics.cacheUsage('did', () => cache.usage())
  metrics.cacheUsage('did-budget', () => cache.budgetUsage())
  return {
    resolve(did: string, opts?: ResolveOptions) {
      if (!opts?.forceRefresh) {
        const cached = cache.peek(did)
        metrics.cacheLookup('did', cached !== undefined)
        if (cached !== undefined) return Promise.resolve(cached)
      }
      return cache.resolve(did, opts)
    },
    peek(did: string) {
      const cached = cache.peek(did)
      metrics.cacheLookup('did', cached !== undefined)
      return cached
    },
    prefetch: (did: string) => cache.prefetch(did),
  }
}
