import { Registry } from 'prom-client'
import { optionsKit } from '@entryway/xrpc'
import type { EntrywayMetricFamilies } from './entryway-metrics.js'

export const DEFAULT_PREFIX = 'entryway_'
export const DEFAULT_PATH = '/metrics'
/** Seconds: from a cached proxy hop (sub-ms) to a slow sign-up (seconds). */
export const DEFAULT_HTTP_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
])
export const DEFAULT_UPSTREAM_BUCKETS: readonly number[] = DEFAULT_HTTP_BUCKETS

export interface MetricsPluginOptions {
  /**
   * Families made beforehand with `createEntrywayMetrics` (an app that hands the reporter to its
   * services before it registers plugins); `registry` and the buckets are then theirs.
   * @default null (the plugin creates them)
   */
  families?: EntrywayMetricFamilies | null
  /** Where the families live. @default a new Registry (prom-client's global one is never used) */
  registry?: Registry
  /** Prefix of every family name. @default 'entryway_' */
  prefix?: string
  /** Path of the scrape route; null serves none (scrape `registry` yourself). @default '/metrics' */
  path?: string | null
  /** Also collect prom-client's process metrics (CPU, RSS, event loop lag, GC). @default true */
  defaultMetrics?: boolean
  /** When set, the scrape route wants `Authorization: Bearer <token>`. @default null (open) */
  token?: string | null
  /** Histogram buckets (seconds) of request durations. @default DEFAULT_HTTP_BUCKETS */
  httpBuckets?: readonly number[]
  /** Histogram buckets (seconds) of upstream (PDS) durations. @default DEFAULT_UPSTREAM_BUCKETS */
  upstreamBuckets?: readonly number[]
}

export interface ResolvedMetricsOptions {
  families: EntrywayMetricFamilies | null
  registry: Registry
  prefix: string
  path: string | null
  defaultMetrics: boolean
  token: string | null
  httpBuckets: readonly number[]
  upstreamBuckets: readonly number[]
}

const { fail, bool } = optionsKit('@entryway/metrics')

function buckets(name: string, v: unknown, def: readonly number[]): readonly number[] {
  if (v === undefined) return def
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every(
      (b, i) => typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > v[i - 1]),
    )
  ) {
    fail(`${name} must be a non-empty increasing list of positive numbers`)
  }
  return Object.freeze([...(v as number[])])
}

/** Validates and fills defaults; returns a new frozen object and never touches `raw`. */
export function resolveOptions(raw: MetricsPluginOptions = {}): Readonly<ResolvedMetricsOptions> {
  if (typeof raw !== 'object' || raw === null) fail('options must be an object')
  if (raw.registry !== undefined && !(raw.registry instanceof Registry))
    fail('registry must be a prom-client Registry')
  const families = raw.families ?? null
  if (families !== null) {
    if (typeof families.httpRequest !== 'function' || !(families.registry instanceof Registry))
      fail('families must come from createEntrywayMetrics')
    for (const k of ['registry', 'httpBuckets', 'upstreamBuckets'] as const)
      if (raw[k] !== undefined) fail(`${k} belongs to the families: give one or the other`)
  }
  const prefix = raw.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix))
    fail('prefix must be a valid metric name prefix')
  const path = raw.path === undefined ? DEFAULT_PATH : raw.path
  if (path !== null && (typeof path !== 'string' || !path.startsWith('/')))
    fail('path must start with / (or be null)')
  const token = raw.token ?? null
  if (token !== null && (typeof token !== 'string' || token.length < 16))
    fail('token must be a string of at least 16 characters')
  return Object.freeze({
    families,
    registry: families?.registry ?? raw.registry ?? new Registry(),
    prefix,
    path,
    defaultMetrics: bool('defaultMetrics', raw.defaultMetrics, true),
    token,
    httpBuckets: buckets('httpBuckets', raw.httpBuckets, DEFAULT_HTTP_BUCKETS),
    upstreamBuckets: buckets('upstreamBuckets', raw.upstreamBuckets, DEFAULT_UPSTREAM_BUCKETS),
  })
}
