import { isIPv4, isIPv6 } from 'node:net'
import type { LRUCache } from 'lru-cache'
import {
  boundedCache,
  cacheUsage,
  RateLimitExceededError,
  type CacheBounds,
  type CacheUsage,
} from '@entryway/xrpc'

/** Uncached DID resolutions one client address may cause per window. */
export const DEFAULT_UNCACHED_RESOLUTIONS_PER_CLIENT = 60
export const DEFAULT_RESOLUTION_BUDGET_WINDOW_MS = 60_000
/** Client addresses tracked at once (the least recently seen are forgotten first). */
export const DEFAULT_BUDGET_TRACKED_CLIENTS = 50_000
/** An entry is an address (or /64) and two numbers: ~60 B, so 4 MiB holds the 50,000. */
export const DEFAULT_BUDGET_TRACKED_BYTES = 4 * 1024 * 1024

interface Window {
  startedAt: number
  used: number
}

/**
 * A fixed-window count per client address of the DID resolutions it made the Entryway send to
 * PLC or a did:web host. Any client can name any DID (`repo=`, `did=`, a forged service JWT's
 * `iss`, a DPoP `sub`), so without this one client could get the Entryway rate-limited by the
 * PLC directory. Over budget is a 429, never a 5xx.
 */
export class ResolutionBudget {
  private readonly windows: LRUCache<string, Window>

  constructor(
    private readonly perClient: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    bounds: CacheBounds = {
      maxEntries: DEFAULT_BUDGET_TRACKED_CLIENTS,
      maxBytes: DEFAULT_BUDGET_TRACKED_BYTES,
    },
  ) {
    this.windows = boundedCache(bounds, () => 16)
    if (!Number.isInteger(perClient) || perClient <= 0)
      throw new Error('@entryway/proxy: uncached resolutions per client must be a positive integer')
    if (!Number.isInteger(windowMs) || windowMs <= 0)
      throw new Error(
        '@entryway/proxy: the resolution budget window must be a positive integer (ms)',
      )
  }

  /** Counts one resolution for `client`, or throws RateLimitExceeded when its window is used up. */
  charge(client: string): void {
    client = budgetKey(client)
    const now = this.now()
    let w = this.windows.get(client)
    if (!w || now - w.startedAt >= this.windowMs) {
      w = { startedAt: now, used: 0 }
      this.windows.set(client, w)
    }
    if (w.used >= this.perClient) {
      const retryAfter = Math.max(1, Math.ceil((w.startedAt + this.windowMs - now) / 1000))
      throw new RateLimitExceededError(
        'Too many lookups of unknown DIDs from this address; slow down.',
        {
          headers: { 'retry-after': String(retryAfter) },
        },
      )
    }
    w.used++
  }

  usage(): CacheUsage {
    return cacheUsage(this.windows)
  }
}

/**
 * The address a budget is kept for: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64, the
 * smallest block one client is normally given (so rotating through its own /64 gains nothing).
 */
export function budgetKey(ip: string): string {
  if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) return ip.slice(7)
  const bare = ip.split('%')[0]!
  if (!isIPv6(bare)) return ip
  const [head, tail] = bare.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const tl = tail ? tail.split(':') : []
  const groups =
    tail === undefined
      ? h
      : [...h, ...Array<string>(Math.max(0, 8 - h.length - tl.length)).fill('0'), ...tl]
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`
}
