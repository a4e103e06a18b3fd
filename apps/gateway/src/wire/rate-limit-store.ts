import { createRequire } from 'node:module'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'

/** A Redis answer slower than this counts as an outage (goal F6: detection ≤ 500 ms). */
export const RATE_LIMIT_REDIS_TIMEOUT_MS = 500
/** Keys each fallback (in-process) limiter remembers; the least recently used go first. */
export const LOCAL_FALLBACK_KEYS = 50_000

type IncrResult = { current: number; ttl: number }
type IncrCallback = (err: Error | null, res?: IncrResult) => void
interface InnerStore {
  incr(key: string, cb: IncrCallback, timeWindow: number, max: number): void
  /** The count without counting (failure limits check before they count). */
  read(key: string, cb: IncrCallback, timeWindow: number, max: number): void
  child(routeOptions: object): InnerStore
}
/** What a store reads of the options @fastify/rate-limit hands it (typed there as the whole route's). */
interface RouteParams {
  continueExceeding?: boolean
  exponentialBackoff?: boolean
  routeInfo?: { method?: string; url?: string }
}
type RedisStoreCtor = new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key: string,
) => InnerStore
type LocalStoreCtor = new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => InnerStore

// @fastify/rate-limit's own stores (CommonJS, not in its typings): the same Lua fixed window in
// Redis and the same LRU fixed window in memory, so both sides count alike.
const require = createRequire(import.meta.url)
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as RedisStoreCtor
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as LocalStoreCtor

export interface FallbackStoreOptions {
  /** Key prefix in Redis (one per deployment, or per test run). */
  namespace: string
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>
  /** @default RATE_LIMIT_REDIS_TIMEOUT_MS */
  timeoutMs?: number
  /** Told when counting moves to this process (`false`) or back to Redis (`true`). */
  onRedisState?: (up: boolean) => void
}

/**
 * A @fastify/rate-limit `store` constructor: counts in Redis (shared by every gateway instance)
 * and, while Redis is unreachable or slower than `timeoutMs`, in this process instead. Limits thus
 * never switch off: during an outage each instance enforces them alone (a client spreading over N
 * instances gets at most N × max), and shared counting resumes when Redis is back.
 */
export function redisStoreWithLocalFallback(redis: Redis, o: FallbackStoreOptions) {
  const timeoutMs = o.timeoutMs ?? RATE_LIMIT_REDIS_TIMEOUT_MS
  let redisUp = true
  const note = (up: boolean, err?: unknown) => {
    if (up === redisUp) return
    redisUp = up
    o.onRedisState?.(up)
    if (up) o.log.info('rate limits: Redis is back, counting across instances again')
    else
      o.log.warn(
        { err },
        'rate limits: Redis unavailable, counting in this process until it is back',
      )
  }

  return class RedisWithLocalFallbackStore implements InnerStore {
    readonly remote: InnerStore
    readonly local: InnerStore

    constructor(options: object, remote?: InnerStore, local?: InnerStore) {
      const params = options as RouteParams
      this.remote =
        remote ??
        new RedisStore(!!params.continueExceeding, !!params.exponentialBackoff, redis, o.namespace)
      this.local =
        local ??
        new LocalStore(!!params.continueExceeding, !!params.exponentialBackoff, LOCAL_FALLBACK_KEYS)
    }

    incr(key: string, cb: IncrCallback, timeWindow: number, max: number): void {
      this.call('incr', key, cb, timeWindow, max)
    }

    read(key: string, cb: IncrCallback, timeWindow: number, max: number): void {
      this.call('read', key, cb, timeWindow, max)
    }

    /** @NOTE public only because the class is returned from a function (TS4094). */
    call(
      op: 'incr' | 'read',
      key: string,
      cb: IncrCallback,
      timeWindow: number,
      max: number,
    ): void {
      // not connected (down, or still connecting at start): no waiting on a queue
      if (redis.status !== 'ready') {
        note(false, new Error(`redis ${redis.status}`))
        this.local[op](key, cb, timeWindow, max)
        return
      }
      let settled = false
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        note(false, new Error(`redis answered nothing within ${timeoutMs} ms`))
        this.local[op](key, cb, timeWindow, max)
      }, timeoutMs)
      this.remote[op](
        key,
        (err, res) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          if (err || !res) {
            note(false, err)
            this.local[op](key, cb, timeWindow, max)
            return
          }
          note(true)
          cb(null, res)
        },
        timeWindow,
        max,
      )
    }

    child(options: object): InnerStore {
      const routeOptions = options as RouteParams
      return new RedisWithLocalFallbackStore(
        routeOptions,
        this.remote.child(routeOptions),
        new LocalStore(
          !!routeOptions.continueExceeding,
          !!routeOptions.exponentialBackoff,
          LOCAL_FALLBACK_KEYS,
        ),
      )
    }
  }
}
