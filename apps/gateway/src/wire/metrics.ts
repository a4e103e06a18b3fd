import type { FastifyInstance } from 'fastify'
import { entrywayMetrics, type EntrywayMetrics } from '@entryway/metrics'
import type { ServerConfig } from '../config/config.js'

/**
 * Prometheus metrics at `/metrics` (a registry of this instance's own). Registered first, so its
 * hooks see every route; returns the reporter the other plugins are given. Outside local dev the
 * scrape route exists only with `ENTRYWAY_METRICS_TOKEN` (metrics name hosts, routes and error
 * rates: not for the public); the families are kept either way.
 */
export async function wireMetrics(
  app: FastifyInstance,
  cfg: ServerConfig,
): Promise<EntrywayMetrics> {
  await app.register(entrywayMetrics, {
    token: cfg.metrics.token,
    ...(cfg.metrics.served ? {} : { path: null }),
  })
  if (!cfg.metrics.served)
    app.log.warn('/metrics is not served: set ENTRYWAY_METRICS_TOKEN to scrape it')
  return app.entrywayMetrics
}
