import type { FastifyInstance } from 'fastify'
import { metrics, type EntrywayMetrics } from '@entryway/metrics'
import type { ServerConfig } from '../config/config.js'

/**
 * Prometheus metrics at `/metrics` (a registry of this instance's own). Registered first, so its
 * hooks see every route; returns the reporter the other plugins are given.
 */
export async function wireMetrics(app: FastifyInstance, cfg: ServerConfig): Promise<EntrywayMetrics> {
  await app.register(metrics, { token: cfg.metrics.token })
  return app.entrywayMetrics
}
