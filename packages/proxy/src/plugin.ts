import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isValidDid, isValidHandle } from '@atproto/syntax'
import {
  InvalidRequestError,
  MethodNotImplementedError,
  ForbiddenError,
  ServiceUnavailableError,
} from '@entryway/xrpc'
import { resolveOptions, type ProxyOptions } from './options.js'
import { NsidMatcher } from './owned-nsids.js'
import { HostTracker } from './host-tracker.js'
import type { HostSnapshot } from './host-directory.js'
import { VerifiedTokenCache } from './verified-token-cache.js'
import { RouteResolver, type Route } from './route-resolver.js'
import { readCredentials, type Credentials } from './request-credentials.js'
import { UpstreamDispatcher } from './upstream-dispatcher.js'
import { forwardRequest, type ExchangeContext } from './upstream-exchange.js'
import { SUBSCRIBE_REPOS, subscribeReposRefusal } from './fleet-streams.js'
import {
  LIST_REPOS,
  listReposAcrossFleet,
  type FetchRepoPage,
  type RepoPage,
} from './fleet-list-repos.js'
import { DEFAULT_ROUTE_CACHE_NEGATIVE_TTL_MS } from './options.js'

const XRPC_PREFIX = '/xrpc/'
/** At most one directory re-read per second is triggered by requests naming unknown hosts. */
const HOST_MISS_REFRESH_MS = 1_000

type NoHost = { kind: 'no-host' }
const NO_HOST: NoHost = { kind: 'no-host' }
const NSID_CHARS = /^[a-zA-Z0-9.-]+$/
/** Metrics label of an allow-listed upstream outside the fleet (a bounded label set). */
export const EXTERNAL_UPSTREAM = 'external'

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
    { maxEntries: o.tokenCacheSize, maxBytes: o.tokenCacheMaxBytes },
    o.now,
    metrics ? (hit) => metrics.cacheLookup('token', hit) : undefined,
  )
  const routes = new RouteResolver({
    accounts: o.accounts,
    didResolver: o.didResolver,
    allowedOrigins: o.allowedOrigins,
    snapshot: () => hosts.snapshot,
    cacheTtlMs: o.routeCacheTtlMs,
    negativeTtlMs: DEFAULT_ROUTE_CACHE_NEGATIVE_TTL_MS,
    rowBounds: { maxEntries: o.routeCacheSize, maxBytes: o.routeCacheMaxBytes },
    handleBounds: { maxEntries: o.handleCacheSize, maxBytes: o.handleCacheMaxBytes },
    now: o.now,
    log: app.log,
  })
  metrics?.cacheUsage?.('token', () => tokens.usage())
  metrics?.cacheUsage?.('route', () => routes.rowUsage())
  metrics?.cacheUsage?.('handle', () => routes.handleUsage())
  const dispatcher = new UpstreamDispatcher({
    connectionsPerHost: o.connectionsPerHost,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs,
    upstreamTimeoutMs: o.upstreamTimeoutMs,
    isFleetOrigin: (origin) => hosts.snapshot.targetOrigins.has(origin),
    allowedOrigins: o.allowedOrigins,
    circuitThreshold: o.circuitThreshold,
    circuitOpenMs: o.circuitOpenMs,
    hostName: (origin) => hostName(hosts.snapshot, origin),
    now: o.now,
    onCircuitChange: (host, open) =>
      open
        ? app.log.warn({ host, openMs: o.circuitOpenMs }, 'host not answering; circuit open')
        : app.log.info({ host }, 'host answering again; circuit closed'),
  })
  app.addHook('onClose', async () => dispatcher.destroy())

  // Bodies stay streams: whatever the content type, the raw request is piped to the PDS.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload))

  const exchange: ExchangeContext = {
    dispatch: (opts, handler) => dispatcher.dispatch(opts, handler),
    // upstreams are labelled by host DID (an allow-listed origin outside the fleet: `external`),
    // never by the internal URL the Entryway reaches them at
    observe: metrics
      ? (origin, status, startedAt) =>
          metrics.upstream(
            hosts.snapshot.didByTarget.get(origin) ?? EXTERNAL_UPSTREAM,
            status,
            (performance.now() - startedAt) / 1000,
          )
      : () => {},
    accountNotFound: (did) => {
      // the account is not where we sent it: re-read the row and the document next time
      routes.forget(did)
      void o.didResolver.resolve(did, { forceRefresh: true }).catch(() => {})
    },
    answered: (origin) => dispatcher.circuits.answered(origin),
    failed: (origin, err) => dispatcher.circuits.failed(origin, err),
  }

  async function routeBySubject(subject: string, client: string): Promise<Route> {
    // a name that is neither a DID nor a handle is no repo: no lookup is made for it
    if (!isValidDid(subject) && !isValidHandle(subject)) return { kind: 'unknown' }
    const did = subject.startsWith('did:') ? subject : await routes.didForHandle(subject)
    if (!did) return { kind: 'unknown' }
    return routes.forDid(did, client)
  }

  async function dpopRefusal(sub: string | null, client: string): Promise<InvalidRequestError> {
    let pds: string | null = null
    if (sub?.startsWith('did:')) {
      // the sub is unverified: its lookup is charged to the client (over budget: no hint)
      const doc = await o.didResolver.resolve(sub, { client }).catch(() => null)
      pds = doc ? routes.endpointOf(doc) : null
    }
    return new InvalidRequestError(
      `DPoP-bound (OAuth) requests cannot be proxied by the Entryway: send them to the PDS named in the DID document (#atproto_pds)${pds ? `: ${pds}` : ''}`,
      'InvalidRequest',
    )
  }

  /**
   * The hot path, with no promise at all: a Bearer token verified before and an account whose
   * DID document is cached. Everything else takes `slowPath`.
   */
  function handler(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> | undefined {
    const url = req.url
    const q = url.indexOf('?')
    const nsid = url.slice(XRPC_PREFIX.length, q < 0 ? undefined : q)
    if (!NSID_CHARS.test(nsid)) throw new InvalidRequestError('Invalid XRPC method')
    if (owned.has(nsid))
      throw new MethodNotImplementedError(`${nsid} is not implemented by this Entryway`)
    if (nsid === SUBSCRIBE_REPOS) throw subscribeReposRefusal(hosts.snapshot)
    if (nsid === LIST_REPOS) return listRepos(req, reply)
    const auth = req.headers.authorization
    if (auth !== undefined && auth.startsWith('Bearer ') && req.headers.dpop === undefined) {
      const verdict = tokens.peek(auth.slice(7).trim())
      if (verdict instanceof Error) throw verdict
      if (verdict !== undefined) {
        const route = routes.peekForDid(verdict.sub)
        if (route?.kind === 'forward') {
          forwardRequest(exchange, req, reply, route.origin, verdict.sub)
          return undefined
        }
      }
    }
    return slowPath(req, reply, nsid)
  }

  const fetchRepoPage: FetchRepoPage = async (host, limit, cursor) => {
    const q = new URLSearchParams({ limit: String(limit) })
    if (cursor) q.set('cursor', cursor)
    return (await dispatcher.getJson(host.targetOrigin, `/xrpc/${LIST_REPOS}?${q}`)) as RepoPage
  }

  /** The service's repos are every host's: one listing across the fleet (`fleet-list-repos.ts`). */
  async function listRepos(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    // an empty fleet is re-read first (the hosts may have been seeded after the first read)
    if (hosts.snapshot.byDid.size === 0)
      await hosts.refreshIfOlder(HOST_MISS_REFRESH_MS, Date.now())
    const page = await listReposAcrossFleet(
      hosts.snapshot,
      req.query as Record<string, unknown> | undefined,
      fetchRepoPage,
    )
    return reply.send(page)
  }

  async function slowPath(
    req: FastifyRequest,
    reply: FastifyReply,
    nsid: string,
  ): Promise<FastifyReply> {
    const cred = readCredentials(req.headers, (t) => tokens.isKnown(t))
    if (cred.kind === 'dpop') throw await dpopRefusal(cred.sub, req.ip)
    let subject: string | null = null
    if (cred.kind === 'session') subject = (await tokens.check(cred.token)).sub
    let route = await pickRoute(req, nsid, cred, subject)
    // a host registered since the last directory read looks foreign: re-read once and retry
    if (
      route.kind !== 'forward' &&
      (await hosts.refreshIfOlder(HOST_MISS_REFRESH_MS, Date.now()))
    ) {
      route = await pickRoute(req, nsid, cred, subject)
    }
    if (route.kind === 'refused') {
      req.log.warn({ endpoint: route.endpoint, subject }, 'refusing to forward outside the fleet')
      throw new ForbiddenError(
        `The account's PDS (${route.endpoint}) is not one this Entryway forwards to`,
        'UpstreamNotAllowed',
      )
    }
    if (route.kind === 'no-host') throw new ServiceUnavailableError('No PDS host is available')
    if (route.kind !== 'forward') {
      // a valid token for an account no one hosts: have the client refresh (and be re-routed)
      if (subject) throw new InvalidRequestError('The account could not be located', 'ExpiredToken')
      throw new InvalidRequestError('Could not find repo', 'RepoNotFound')
    }
    forwardRequest(exchange, req, reply, route.origin, subject)
    // the answer is written as it streams in (or sent as an XRPC error by the exchange)
    return reply
  }

  async function pickRoute(
    req: FastifyRequest,
    nsid: string,
    cred: Credentials,
    subject: string | null,
  ): Promise<Route | NoHost> {
    if (subject) return routes.forDid(subject)
    if (cred.kind === 'service') {
      const aud = cred.aud.split('#')[0]!
      // a PDS using the Entryway as its appview: forwarding would send it straight back (a loop)
      if (aud === o.entrywayDid)
        throw new MethodNotImplementedError(`${nsid} is not implemented by this Entryway`)
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
    if (subject) return routeBySubject(subject, req.ip)
    const host = hosts.snapshot.defaultHost
    if (!host) return NO_HOST
    return { kind: 'forward', origin: host.targetOrigin, host }
  }

  // the request goes on to the PDS as it came (storableInput leaves it alone): only the routing
  // subject is read here, and checked before any lookup (routeUnauthenticated)
  app.route({
    method: ['GET', 'HEAD', 'POST'],
    url: '/xrpc/*',
    handler,
    config: { rawInput: true },
  })
}

/** A host as clients may see it: its DID and public origin (an allow-listed origin as itself). */
function hostName(snapshot: HostSnapshot, targetOrigin: string): string {
  const did = snapshot.didByTarget.get(targetOrigin)
  const host = did ? snapshot.byDid.get(did) : undefined
  return host ? `${did} (${host.publicOrigin})` : targetOrigin
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
