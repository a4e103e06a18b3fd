import type { LRUCache } from 'lru-cache'
import {
  boundedCache,
  cacheUsage,
  XrpcError,
  type CacheBounds,
  type CacheUsage,
} from '@entryway/xrpc'

/** Tokens being verified at once whose verification is shared; beyond, each is verified alone. */
export const DEFAULT_TOKEN_MAX_INFLIGHT = 10_000

/** What the proxy needs from a verified access token. */
export interface VerifiedAccess {
  sub: string
  /** Seconds since the epoch. */
  exp: number
}

/** Verifies one of the Entryway's access tokens, throwing an XRPC error when it is not valid. */
export type AccessTokenVerifier = (token: string) => Promise<VerifiedAccess>

interface Hit {
  ok: VerifiedAccess | null
  err: XrpcError | null
  until: number
}

/**
 * Remembers verification results so the hot path does no secp256k1 work per request. Entries live
 * at most `ttlMs` (≤ 60 s: takedowns and key rotation bite within a minute) and never past the
 * token's `exp`. Rejections are remembered too, so a replayed bad token costs one verification.
 */
export class VerifiedTokenCache {
  private readonly hits: LRUCache<string, Hit>
  private readonly inflight = new Map<string, Promise<VerifiedAccess>>()

  constructor(
    private readonly verify: AccessTokenVerifier,
    private readonly ttlMs: number,
    bounds: CacheBounds,
    private readonly now: () => number = Date.now,
    /** Told whether each lookup was answered from memory (metrics). */
    private readonly onLookup?: (hit: boolean) => void,
    private readonly maxInflight = DEFAULT_TOKEN_MAX_INFLIGHT,
  ) {
    // the key is the token itself; a verdict is a DID and a time, or an error and its message
    this.hits = boundedCache(bounds, (h) =>
      h.ok ? h.ok.sub.length + 32 : (h.err?.message.length ?? 0) + 64,
    )
  }

  async check(token: string): Promise<VerifiedAccess> {
    const hit = this.hits.get(token)
    const now = this.now()
    if (hit && now < hit.until) {
      this.onLookup?.(true)
      if (hit.ok) return hit.ok
      throw hit.err!
    }
    const running = this.inflight.get(token)
    this.onLookup?.(running !== undefined)
    if (running) return running
    const p = this.verify(token)
      .then(
        (ok) => {
          this.hits.set(token, {
            ok,
            err: null,
            until: Math.min(this.now() + this.ttlMs, ok.exp * 1000),
          })
          return ok
        },
        (err: unknown) => {
          // only definite verdicts are remembered; an unexpected failure is retried next time
          if (err instanceof XrpcError && err.status < 500)
            this.hits.set(token, { ok: null, err, until: this.now() + this.ttlMs })
          throw err
        },
      )
      .finally(() => {
        if (this.inflight.get(token) === p) this.inflight.delete(token)
      })
    if (this.inflight.size < this.maxInflight) this.inflight.set(token, p)
    return p
  }

  /**
   * The cached verdict without waiting: the token's claims, the error it was refused with, or
   * `undefined` when nothing live is cached (then `check`).
   */
  peek(token: string): VerifiedAccess | XrpcError | undefined {
    const hit = this.hits.get(token)
    if (hit === undefined || this.now() >= hit.until) return undefined
    this.onLookup?.(true)
    return hit.ok ?? hit.err!
  }

  /** True when `token` has a live cached verdict (no decoding needed to classify it). */
  isKnown(token: string): boolean {
    const hit = this.hits.get(token)
    return hit !== undefined && this.now() < hit.until
  }

  get size(): number {
    return this.hits.size
  }

  usage(): CacheUsage {
    return cacheUsage(this.hits)
  }
}
