import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from'
import { InvalidRequestError, MethodNotImplementedError, ForbiddenError, ServiceUnavailableError } from '@entryway/xrpc'
import { resolveOptions, type ProxyOptions } from './options.js'
import { NsidMatcher } from './owned-nsids.js'
import { HostTracker } from './host-tracker.js'
import { VerifiedTokenCache } from './verified-token-cache.js'
import { RouteResolver, type Route } from './route-resolver.js'
import { readCredentials, type Credentials } from './request-credentials.js'
import { UpstreamDispatcher } from './upstream-dispatcher.js'
import { mapUpstreamError } from './upstream-errors.js'
import { DEFAULT_ROUTE_CACHE_NEGATIVE_TTL_MS } from './options.js'
import { respond } from './respond.js'

/** Per-request routing result, read by the static reply-from hooks (no closure per request). */
const kOrigin = Symbol('entryway.proxy.origin')
const kSubject = Symbol('entryway.proxy.subject')
/** `performance.now()` when the request was handed to reply-from (metrics only). */
const kStarted = Symbol('entryway.proxy.started')

interface ProxyRequest extends FastifyRequest {
  [kOrigin]: string | null
  [kSubject]: string | null
  [kStarted]: number
}

const XRPC_PREFIX = '/xrpc/'
/** At most one directory re-read per second is triggered by requests naming unknown hosts. */
const HOST_MISS_REFRESH_MS = 1_000

type NoHost = { kind: 'no-host' }
const NO_HOST: NoHost = { kind: 'no-host' }
const NSID_CHARS = /^[a-zA-Z0-9.-]+$/

async function proxyPlugin(app: FastifyInstance, raw: ProxyOptions) {
  const o = resolveOptions(raw)
  const owned = new NsidMatcher(o.ownedNsids)
  const hosts = new HostTracker(o.hosts, o.defaultHostUrl, app.log)
  await hosts.refresh()
  hosts.start(o.hostRefreshMs)
  app.addHook('onClose', async () => hosts.stop())

  const metrics = o.metrics
  const tokens = new VerifiedTokenCache(
    o.verifyAccessToken,
    o.tokenCacheTtlMs,
    o.tokenCacheSize,
    o.now,
    metrics ? (hit) => metrics.cacheLookup('token', hit) : undefined,
  )
  const observe = (req: ProxyRequest, status: number) => {
    if (metrics && req[kOrigin]) metrics.upstream(req[kOrigin], status, (performance.now() - req[kStarted]) / 1000)
  }
  const routes = new RouteResolver({
    accounts: o.accounts,
    didResolver: o.didResolver,
    allowedOrigins: o.allowedOrigins,
    snapshot: () => hosts.snapshot,
    cacheTtlMs: o.routeCacheTtlMs,
    negativeTtlMs: DEFAULT_ROUTE_CACHE_NEGATIVE_TTL_MS,
    cacheSize: o.routeCacheSize,
    now: o.now,
    log: app.log,
  })
  const dispatcher = new UpstreamDispatcher({
    connectionsPerHost: o.connectionsPerHost,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs,
    upstreamTimeoutMs: o.upstreamTimeoutMs,
    isFleetOrigin: (origin) => hosts.snapshot.targetOrigins.has(origin),
    allowedOrigins: o.allowedOrigins,
  })
  app.addHook('onClose', async () => dispatcher.destroy())

  // reply-from must not close our dispatcher itself (destroyAgent false) and must not log per request
  await app.register(replyFrom, { undici: dispatcher as never, disableRequestLogging: true })

  // Bodies stay streams: whatever the content type, the raw request is piped to the PDS.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload))
  app.decorateRequest(kOrigin, null)
  app.decorateRequest(kSubject, null)
  app.decorateRequest(kStarted, 0)

  const fromOptions: FastifyReplyFromHooks = {
    getUpstream: (req) => (req as ProxyRequest)[kOrigin]!,
    timeout: o.upstreamTimeoutMs,
    // never retry: POSTs are not idempotent, and a GET that got a 503 should tell the client so
    retryDelay: () => null,
    rewriteRequestHeaders: (req, headers) => {
      // the PDS trusts the Entryway's XFF (rate limits per client): send exactly the client we saw
      headers['x-forwarded-for'] = req.ip
      delete headers['x-ratelimit-bypass']
      delete headers.forwarded
      delete headers['x-real-ip']
      return headers
    },
    rewriteHeaders: (headers) => {
      delete headers.connection
      delete headers['keep-alive']
      delete headers['proxy-connection']
      delete headers.upgrade
      delete headers.trailer
      return headers
    },
    onError: (reply, { error }) => {
      const mapped = mapUpstreamError(error)
      observe(reply.request as ProxyRequest, mapped.status)
      reply.send(mapped)
    },
    onResponse: (req, reply, res) => {
      observe(req as ProxyRequest, (res as { statusCode: number }).statusCode)
      respond(reply as FastifyReply, res as never, (req as ProxyRequest)[kSubject], (did) => {
        // the account is not where we sent it: re-read the row and the document next time
        routes.forget(did)
        void o.didResolver.resolve(did, { forceRefresh: true }).catch(() => {})
      })
    },
  }

  async function routeBySubject(subject: string): Promise<Route> {
    const did = subject.startsWith('did:') ? subject : await routes.didForHandle(subject)
    if (!did) return { kind: 'unknown' }
    return routes.forDid(did)
  }

  async function dpopRefusal(sub: string | null): Promise<InvalidRequestError> {
    let pds: string | null = null
    if (sub?.startsWith('did:')) {
      const doc = await o.didResolver.resolve(sub).catch(() => null)
      pds = doc ? routes.endpointOf(doc) : null
    }
    return new InvalidRequestError(
      `DPoP-bound (OAuth) requests cannot be proxied by the Entryway: send them to the PDS named in the DID document (#atproto_pds)${pds ? `: ${pds}` : ''}`,
      'InvalidRequest',
    )
  }

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    const req = request as ProxyRequest
    const url = req.url
    const q = url.indexOf('?')
    const nsid = url.slice(XRPC_PREFIX.length, q < 0 ? undefined : q)
    if (!NSID_CHARS.test(nsid)) throw new InvalidRequestError('Invalid XRPC method')
    if (owned.has(nsid)) throw new MethodNotImplementedError(`${nsid} is not implemented by this Entryway`)

    const cred = readCredentials(req.headers, (t) => tokens.isKnown(t))
    if (cred.kind === 'dpop') throw await dpopRefusal(cred.sub)
    let subject: string | null = null
    if (cred.kind === 'session') subject = (await tokens.check(cred.token)).sub
    let route = await pickRoute(req, nsid, cred, subject)
    // a host registered since the last directory read looks foreign: re-read once and retry
    if (route.kind !== 'forward' && (await hosts.refreshIfOlder(HOST_MISS_REFRESH_MS, Date.now()))) {
      route = await pickRoute(req, nsid, cred, subject)
    }
    if (route.kind === 'refused') {
      req.log.warn({ endpoint: route.endpoint, subject }, 'refusing to forward outside the fleet')
      throw new ForbiddenError(`The account's PDS (${route.endpoint}) is not one this Entryway forwards to`, 'UpstreamNotAllowed')
    }
    if (route.kind === 'no-host') throw new ServiceUnavailableError('No PDS host is available')
    if (route.kind !== 'forward') {
      // a valid token for an account no one hosts: have the client refresh (and be re-routed)
      if (subject) throw new InvalidRequestError('The account could not be located', 'ExpiredToken')
      throw new InvalidRequestError('Could not find repo', 'RepoNotFound')
    }
    req[kOrigin] = route.origin
    req[kSubject] = subject
    if (metrics) req[kStarted] = performance.now()
    return reply.from(undefined, fromOptions)
  }

  async function pickRoute(req: FastifyRequest, nsid: string, cred: Credentials, subject: string | null): Promise<Route | NoHost> {
    if (subject) return routes.forDid(subject)
    if (cred.kind === 'service') {
      const aud = cred.aud.split('#')[0]!
      // a PDS using the Entryway as its appview: forwarding would send it straight back (a loop)
      if (aud === o.entrywayDid) throw new MethodNotImplementedError(`${nsid} is not implemented by this Entryway`)
      const host = hosts.snapshot.byDid.get(aud)
      if (host) return { kind: 'forward', origin: host.targetOrigin, host }
    }
    return routeUnauthenticated(req)
  }

  async function routeUnauthenticated(req: FastifyRequest): Promise<Route | NoHost> {
    const query = req.query as Record<string, unknown> | undefined
    const subject = firstString(query?.repo) ?? firstString(query?.did)
    // A named repo that is not on the fleet must not go to the default host: that PDS would pipe
    // the request to its appview, which may be this Entryway again.
    if (subject) return routeBySubject(subject)
    const host = hosts.snapshot.defaultHost
    if (!host) return NO_HOST
    return { kind: 'forward', origin: host.targetOrigin, host }
  }

  app.route({ method: ['GET', 'HEAD', 'POST'], url: '/xrpc/*', handler })
}

function firstString(v: unknown): string | null {
  if (typeof v === 'string' && v) return v
  if (Array.isArray(v) && typeof v[0] === 'string' && v[0]) return v[0]
  return null
}

/**
 * Forwards every XRPC request the Entryway does not answer itself to the account's PDS.
 * Encapsulated (like @fastify/http-proxy) so its pass-through body parser stays in its scope.
 */
export const entrywayProxy = fp(proxyPlugin, {
  name: '@entryway/proxy',
  fastify: '5.x',
  dependencies: ['@entryway/xrpc'],
  encapsulate: true,
})
