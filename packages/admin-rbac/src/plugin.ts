import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import { RateLimitExceededError } from '@entryway/xrpc'
import { resolveOptions, SESSION_COOKIE, type AdminRbacOptions } from './options.js'
import { FileRbacSource, type RbacSource } from './rbac-source.js'
import { PortalSessions } from './portal-session.js'
import type { PortalDeps } from './deps.js'
import { AuditTrail } from './audit-trail.js'
import { registerLoginRoutes } from './routes/login.js'
import { registerActionRoutes } from './routes/actions.js'
import { registerPageRoutes } from './routes/pages.js'

const FORM_BODY_LIMIT = 64 * 1024
const MINUTE = 60_000

/** Repeated keys become arrays. */
function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

async function adminRbacPlugin(app: FastifyInstance, raw: AdminRbacOptions): Promise<void> {
  const o = resolveOptions(raw)
  const rbac: RbacSource =
    'current' in o.rbac
      ? o.rbac
      : new FileRbacSource({
          path: o.rbac.file,
          log: app.log.child({ plugin: '@entryway/admin-rbac' }),
          pollIntervalMs: o.rbac.pollIntervalMs!,
          debounceMs: o.rbac.debounceMs!,
        })
  app.addHook('onClose', async () => rbac.close())

  const audit = new AuditTrail({
    store: o.stores.audit,
    key: o.auditKey,
    checkpoints: o.stores.checkpoints ?? null,
    anonymousWindowMs: o.anonymousAuditWindowMs,
    now: o.now,
    log: app.log.child({ plugin: '@entryway/admin-rbac' }),
  })
  app.addHook('onClose', async () => audit.close())
  const sessions = new PortalSessions(o, rbac, audit)

  const cleanup = setInterval(() => {
    o.stores.sessions
      .deleteExpired(new Date(o.now()).toISOString())
      .then((n) => n && app.log.info({ removed: n }, 'expired admin sessions removed'))
      .catch((err: unknown) => app.log.warn({ err }, 'admin session cleanup failed'))
  }, o.sessionCleanupIntervalMs)
  cleanup.unref()
  app.addHook('onClose', async () => clearInterval(cleanup))

  // Own scope under the prefix: cookies, form bodies and rate limits stay inside the portal.
  const base = `<head><base href="${o.prefix}/">`
  await app.register(
    async (scope) => {
      if (!scope.hasRequestDecorator('cookies')) await scope.register(fastifyCookie)
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
        (_req, body, done) => {
          done(null, parseForm(body as string))
        },
      )
      const limitsOn = o.rateLimits !== null
      if (limitsOn) {
        await scope.register(rateLimit, {
          global: false,
          ...(o.rateLimitStore ? { store: o.rateLimitStore as never } : {}),
          errorResponseBuilder: (_req, ctx) =>
            new RateLimitExceededError('Too many requests; slow down.', {
              headers: { 'retry-after': String(Math.ceil(ctx.ttl / 1000)) },
            }),
        })
      }
      scope.addHook('onSend', async (_req, reply, payload) => {
        reply.header('cache-control', 'no-store')
        reply.header('x-frame-options', 'DENY')
        reply.header('x-content-type-options', 'nosniff')
        reply.header('referrer-policy', 'same-origin')
        reply.header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'",
        )
        // the pages link relatively; their base is the portal's prefix, wherever it is mounted
        return typeof payload === 'string' && payload.startsWith('<!doctype html>')
          ? payload.replace('<head>', base)
          : payload
      })
      const deps: PortalDeps = {
        o,
        rbac,
        sessions,
        audit,
        loginLimit: limitsOn
          ? { rateLimit: { max: o.rateLimits.loginPerMinute, timeWindow: MINUTE } }
          : {},
        actionLimit: limitsOn
          ? {
              rateLimit: {
                max: o.rateLimits.actionsPerMinute,
                timeWindow: MINUTE,
                keyGenerator: (req: { cookies?: Record<string, string | undefined>; ip: string }) =>
                  req.cookies?.[SESSION_COOKIE] ?? req.ip,
              },
            }
          : {},
      }
      registerLoginRoutes(scope, deps)
      registerActionRoutes(scope, deps)
      registerPageRoutes(scope, deps)
      if (o.login.clientMetadata) {
        const meta = o.login.clientMetadata
        scope.get('/oauth/client-metadata.json', async (_req, reply) =>
          reply.header('access-control-allow-origin', '*').send(meta),
        )
      }
    },
    { prefix: o.prefix },
  )
}

/** The admin portal: pages and `xrpc/:nsid` under `prefix` (default `/admin`), RBAC-checked and audited. */
export const entrywayAdminRbac = fp(adminRbacPlugin, {
  name: '@entryway/admin-rbac',
  fastify: '5.x',
  dependencies: ['@entryway/xrpc'],
})
