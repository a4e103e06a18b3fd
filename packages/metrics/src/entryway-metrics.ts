import { Counter, Gauge, type Registry } from 'prom-client'
import { TallyHistogram } from './tally-histogram.js'

/**
 * What other plugins report. Each is optional for them to receive (`metrics?: EntrywayMetrics`);
 * `noopMetrics` stands in when none is given. Label values must come from a bounded set (host
 * origins, route patterns, limiter names, error names), never from client input.
 */
export interface EntrywayMetrics {
  /**
   * A proxied request's upstream answer (status when the headers arrived, or the mapped error's).
   * `host` names the PDS by its DID, never by a URL (internal addresses stay out of scrapes).
   */
  upstream(host: string, status: number, seconds: number): void
  /** An account was created on this PDS host. */
  accountPlaced(host: string): void
  /** A sign-in was refused; `reason` is the XRPC error name (`AuthenticationRequired`…). */
  loginFailure(reason: string): void
  /** A rate limit answered 429; `limit` names the limiter or route. */
  rateLimitHit(limit: string): void
  /** A cache lookup (`did`, `token`, `route`…) was served from memory (`hit`) or not. */
  cacheLookup(cache: string, hit: boolean): void
  /** Registers how to read a cache's entries and estimated bytes; read when scraped. */
  cacheUsage(cache: string, read: () => { entries: number; bytes: number }): void
}

/** Reports nothing: the default when a plugin is given no metrics. */
export const noopMetrics: EntrywayMetrics = Object.freeze({
  upstream() {},
  accountPlaced() {},
  loginFailure() {},
  rateLimitHit() {},
  cacheLookup() {},
  cacheUsage() {},
})

/** The metric families, registered on one registry (never prom-client's global one). */
export interface EntrywayMetricFamilies extends EntrywayMetrics {
  readonly registry: Registry
  /** One finished HTTP request (the plugin's onResponse hook calls this). */
  httpRequest(route: string, method: string, status: number, seconds: number): void
}

export interface CreateMetricsOptions {
  prefix: string
  httpBuckets: readonly number[]
  upstreamBuckets: readonly number[]
}

/** Creates every family on `registry`. Two instances may share a process, each with its registry. */
export function createEntrywayMetrics(
  registry: Registry,
  o: CreateMetricsOptions,
): EntrywayMetricFamilies {
  const p = o.prefix
  const registers = [registry]
  // The families touched on every request keep plain tallies (`TallyHistogram`) and hand them
  // over when scraped: prom-client hashes the label object on each call (~0.25–0.45 µs, four
  // times a proxied request), a tally costs one map lookup.
  const httpDuration = new TallyHistogram<{ route: string; method: string; status: string }>(
    `${p}http_request_duration_seconds`,
    'Time to answer an HTTP request, by route pattern, method and status',
    o.httpBuckets,
    registry,
  )
  new Counter({
    name: `${p}http_requests_total`,
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
    collect() {
      this.reset()
      for (const { labels, count } of httpDuration.totals()) this.inc(labels, count)
    },
  })
  const upstream = new TallyHistogram<{ host: string; status: string }>(
    `${p}upstream_duration_seconds`,
    'Time until a PDS answered a proxied request (headers), by PDS host and status',
    o.upstreamBuckets,
    registry,
  )
  const placed = new Counter({
    name: `${p}accounts_placed_total`,
    help: 'Accounts created, by PDS host',
    labelNames: ['host'] as const,
    registers,
  })
  const loginFailures = new Counter({
    name: `${p}login_failures_total`,
    help: 'Refused sign-ins (createSession), by XRPC error',
    labelNames: ['reason'] as const,
    registers,
  })
  const rateLimited = new Counter({
    name: `${p}rate_limit_hits_total`,
    help: 'Requests refused by a rate limit (429), by limit',
    labelNames: ['limit'] as const,
    registers,
  })
  const seen = new Map<string, { hit: number; all: number }>()
  new Counter({
    name: `${p}cache_lookups_total`,
    help: 'In-memory cache lookups, by cache and result (hit or miss)',
    labelNames: ['cache', 'result'] as const,
    registers,
    collect() {
      this.reset()
      for (const [cache, n] of seen) {
        if (n.hit > 0) this.inc({ cache, result: 'hit' }, n.hit)
        if (n.all > n.hit) this.inc({ cache, result: 'miss' }, n.all - n.hit)
      }
    },
  })
  new Gauge({
    name: `${p}cache_hit_ratio`,
    help: 'Share of lookups served from memory since start, by cache',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      for (const [cache, n] of seen) this.set({ cache }, n.all === 0 ? 0 : n.hit / n.all)
    },
  })
  const usage = new Map<string, () => { entries: number; bytes: number }>()
  new Gauge({
    name: `${p}cache_entries`,
    help: 'Entries held by each bounded in-memory cache',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      for (const [cache, read] of usage) this.set({ cache }, read().entries)
    },
  })
  new Gauge({
    name: `${p}cache_bytes`,
    help: 'Estimated bytes (serialized length) held by each bounded in-memory cache',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      for (const [cache, read] of usage) this.set({ cache }, read().bytes)
    },
  })

  return {
    registry,
    httpRequest(route, method, status, seconds) {
      httpDuration.observe(
        `${route} ${method} ${status}`,
        () => ({ route, method, status: String(status) }),
        seconds,
      )
    },
    upstream(host, status, seconds) {
      upstream.observe(`${host} ${status}`, () => ({ host, status: String(status) }), seconds)
    },
    accountPlaced(host) {
      placed.inc({ host })
    },
    loginFailure(reason) {
      loginFailures.inc({ reason })
    },
    rateLimitHit(limit) {
      rateLimited.inc({ limit })
    },
    cacheUsage(cache, read) {
      usage.set(cache, read)
    },
    cacheLookup(cache, hit) {
      let n = seen.get(cache)
      if (!n) seen.set(cache, (n = { hit: 0, all: 0 }))
      n.all++
      if (hit) n.hit++
    },
  }
}
