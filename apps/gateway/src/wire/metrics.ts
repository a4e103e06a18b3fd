import type { FastifyInstance } from 'fastify'
import { entrywayMetrics } from '@entryway/metrics'
import type { GatewayContext } from '../context.js'

/**
 * Prometheus metrics at `/metrics`: the plugin counts requests into the context's families (which
 * the other services already report into) and serves them. Outside local dev the scrape route
 * exists only with `ENTRYWAY_METRICS_TOKEN` (metrics name hosts, routes and error rates: not for
 * the public); the families are kept either way.
 */
export async function wireMetrics(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg } = ctx
  await app.register(entrywayMetrics, {
    families: ctx.metrics,
    token: cfg.metrics.token,
    ...(cfg.metrics.served ? {} : { path: null }),
  })
  if (!cfg.metrics.served)
    app.log.warn('/metrics is not served: set ENTRYWAY_METRICS_TOKEN to scrape it')
}
