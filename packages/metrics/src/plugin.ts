import { timingSafeEqual, createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics } from 'prom-client'
import { AuthRequiredError } from '@entryway/xrpc'
import { resolveOptions, type MetricsPluginOptions } from './options.js'
import {
  createEntrywayMetrics,
  type EntrywayMetricFamilies,
  type EntrywayMetrics,
} from './entryway-metrics.js'

/** Label of requests no route matched (404s): never the raw URL, which clients choose. */
export const UNMATCHED_ROUTE = '__unmatched'
/** The sign-in route whose refusals are counted as login failures. */
export const LOGIN_ROUTE = '/xrpc/com.atproto.server.createSession'
const ERROR_NAME = /"error"\s*:\s*"([A-Za-z]{1,40})"/
const kLoginError = Symbol('entryway.metrics.loginError')

declare module 'fastify' {
  interface FastifyInstance {
    /** Report here (or pass it to plugins as their `metrics` option). */
    entrywayMetrics: EntrywayMetrics
    /** The registry the families live on (this instance only). */
    entrywayMetricsRegistry: EntrywayMetricFamilies['registry']
  }
}

async function metricsPlugin(app: FastifyInstance, raw: MetricsPluginOptions) {
  const o = resolveOptions(raw)
  const families =
    o.families ??
    createEntrywayMetrics(o.registry, {
      prefix: o.prefix,
      httpBuckets: o.httpBuckets,
      upstreamBuckets: o.upstreamBuckets,
    })
  if (o.defaultMetrics) collectDefaultMetrics({ register: o.registry, prefix: o.prefix })
  app.decorate('entrywayMetrics', families as EntrywayMetrics)
  app.decorate('entrywayMetricsRegistry', o.registry)
  app.decorateRequest(kLoginError, null)

  // A refused sign-in's XRPC error name, read from the body on its way out: attached to the login
  // route only (every other request would pay for a global onSend hook that does nothing).
  const readLoginError: onSendHookHandler = (req, reply, payload, done) => {
    if (reply.statusCode >= 400 && reply.statusCode !== 429 && typeof payload === 'string') {
      ;(req as unknown as Record<symbol, string>)[kLoginError] =
        ERROR_NAME.exec(payload)?.[1] ?? 'other'
    }
    done(null, payload)
  }
  app.addHook('onRoute', (route) => {
    if (route.url !== LOGIN_ROUTE) return
    const existing = route.onSend
      ? Array.isArray(route.onSend)
        ? route.onSend
        : [route.onSend]
      : []
    route.onSend = [readLoginError, ...existing]
  })
  // callback style: no promise per request on the hot path
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = req.routeOptions.url ?? UNMATCHED_ROUTE
    const status = reply.statusCode
    families.httpRequest(route, req.method, status, reply.elapsedTime / 1000)
    if (status === 429) families.rateLimitHit(route)
    const loginError = (req as unknown as Record<symbol, string | null>)[kLoginError]
    if (loginError) families.loginFailure(loginError)
    done()
  })

  if (o.path) {
    const expected = o.token ? digest(`Bearer ${o.token}`) : null
    app.get(o.path, { logLevel: 'warn' }, async (req, reply) => {
      if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
        throw new AuthRequiredError('A metrics token is required')
      }
      const body = await o.registry.metrics()
      return reply.type(o.registry.contentType).send(body)
    })
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * Prometheus metrics for one gateway instance: requests by route and status, upstream latency by
 * PDS host, accounts placed per host, login failures, rate-limit hits and cache hit ratios, on a
 * registry of its own, scraped at `/metrics`. Not encapsulated: its hooks see every route.
 */
export const entrywayMetrics = fp(metricsPlugin, {
  name: '@entryway/metrics',
  fastify: '5.x',
  dependencies: ['@entryway/xrpc'],
})
