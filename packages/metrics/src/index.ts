export { entrywayMetrics, UNMATCHED_ROUTE, LOGIN_ROUTE } from './plugin.js'
export {
  createEntrywayMetrics,
  noopMetrics,
  type EntrywayMetrics,
  type EntrywayMetricFamilies,
  type CreateMetricsOptions,
} from './entryway-metrics.js'
export {
  resolveOptions,
  DEFAULT_PREFIX,
  DEFAULT_PATH,
  DEFAULT_HTTP_BUCKETS,
  DEFAULT_UPSTREAM_BUCKETS,
  type MetricsPluginOptions,
  type ResolvedMetricsOptions,
} from './options.js'
