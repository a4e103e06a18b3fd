import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { mountRoutes, nsidsOf, rateCounter, routeLimiter, type RouteLimiter } from '@entryway/xrpc'
import { AccountCreator } from './account-creator.js'
import { HandleUpdater } from './handle-updater.js'
import { HealthChecker } from './health-checker.js'
import { HostConflictError } from './host-registry.js'
import { resolveOptions, type PlacementOptions, type ResolvedPlacementOptions } from './options.js'
import type { PlacementRoute, PlacementRouteDeps } from './route-deps.js'
import type { PlacementRateLimits } from './options.js'
import { disableInviteCodesRoute } from './routes/com.atproto.admin.disableInviteCodes.js'
import { getInviteCodesRoute } from './routes/com.atproto.admin.getInviteCodes.js'
import { disableAccountInvitesRoute } from './routes/com.atproto.admin.disableAccountInvites.js'
import { enableAccountInvitesRoute } from './routes/com.atproto.admin.enableAccountInvites.js'
import { adminUpdateAccountHandleRoute } from './routes/com.atproto.admin.updateAccountHandle.js'
import { resolveHandleRoute } from './routes/com.atproto.identity.resolveHandle.js'
import { updateHandleRoute } from './routes/com.atproto.identity.updateHandle.js'
import { createAccountRoute } from './routes/com.atproto.server.createAccount.js'
import { createInviteCodeRoute } from './routes/com.atproto.server.createInviteCode.js'
import { createInviteCodesRoute } from './routes/com.atproto.server.createInviteCodes.js'
import { getAccountInviteCodesRoute } from './routes/com.atproto.server.getAccountInviteCodes.js'
import { hostAdminRoutes } from './routes/com.entryway.admin.hosts.js'
import { listAccountsRoute } from './routes/com.entryway.admin.listAccounts.js'
import { requestCrawlRoute } from './routes/com.entryway.admin.requestCrawl.js'
import { wellKnownAtprotoDidRoute } from './routes/well-known-atproto-did.js'
import { gateSignupRoute } from './routes/gate-signup.js'
import { SignupReconciler } from './signup-reconciler.js'
import { RelayCrawlers } from './relay-crawlers.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Placement's workers, for operator tooling and tests. */
    entrywayPlacement: {
      health: HealthChecker
      reconciler: SignupReconciler
      options: ResolvedPlacementOptions
    }
  }
}

async function placementPlugin(app: FastifyInstance, raw: PlacementOptions): Promise<void> {
  const o = resolveOptions(raw)
  await seedHosts(app, o)

  const log = app.log.child({ plugin: 'placement' })
  const health = new HealthChecker({
    hosts: o.hosts,
    pds: o.pds,
    intervalMs: o.healthCheckIntervalMs,
    timeoutMs: o.healthCheckTimeoutMs,
    unhealthyAfter: o.unhealthyAfterFailures,
    log,
    lease: o.workerLeases ? { leases: o.workerLeases, holder: o.instanceId } : null,
  })
  const reconciler = new SignupReconciler(o, log)
  const crawlers = new RelayCrawlers({
    relays: o.crawlers,
    attempts: o.crawlAttempts,
    backoffMs: o.crawlBackoffMs,
  })
  // the limits count on their own @fastify/rate-limit scope (the app's store, or memory)
  let limiter: RouteLimiter<keyof PlacementRateLimits> | null = null
  let admitSignup = async (): Promise<void> => {}
  const windows = o.rateLimits
  if (windows) {
    await app.register(async (scope) => {
      await scope.register(rateLimit, {
        global: false,
        ...(o.rateLimitStore ? { store: o.rateLimitStore } : {}),
      })
      limiter = routeLimiter(scope, 'placement', windows)
      const service = rateCounter(scope, 'placement:signupsPerService', windows.signupsPerService)
      admitSignup = () => service.hit('service')
    })
  }
  const deps: PlacementRouteDeps = {
    o,
    creator: new AccountCreator(o),
    handles: new HandleUpdater(o),
    health,
    reconciler,
    crawlers,
    admitSignup: () => admitSignup(),
  }
  app.decorate('entrywayPlacement', { health, reconciler, options: o })

  await mountRoutes(app, PLACEMENT_ROUTES, deps, limiter)
  await mountRoutes(app, [wellKnownAtprotoDidRoute], deps, null)
  if (o.signupGate) await mountRoutes(app, [gateSignupRoute], deps, limiter)

  app.addHook('onReady', async () => {
    // one round before serving, so sign-ups right after start find healthy hosts
    if (o.healthCheckIntervalMs > 0) {
      await health.runOnce()
      health.start()
    }
    if (o.reconcileIntervalMs > 0) reconciler.start()
  })
  app.addHook('onClose', async () => {
    crawlers.close()
    await Promise.all([health.stop(), reconciler.stop()])
  })
}

/**
 * Registers configured hosts that are new, as enabled; known ones keep their operator status.
 * The registry is the authority once a host is in it: a configured host whose DID is registered
 * under another URL is left as registered (a warning, not a failed start), and a host another
 * instance registered a moment earlier is simply there.
 */
async function seedHosts(app: FastifyInstance, o: ResolvedPlacementOptions): Promise<void> {
  for (const seed of o.seedHosts) {
    if (await o.hosts.getByUrl(seed.url)) continue
    const sameDid = await o.hosts.getByDid(seed.did)
    if (sameDid) {
      app.log.warn(
        { host: seed.url, did: seed.did, registeredUrl: sameDid.url },
        'configured pds host has the DID of a registered host with another URL; the registry keeps its URL',
      )
      continue
    }
    try {
      await o.hosts.add({ ...seed, status: seed.status ?? 'enabled' })
    } catch (err) {
      if (err instanceof HostConflictError && (await o.hosts.getByUrl(seed.url))) continue
      throw err
    }
    app.log.info({ host: seed.url }, 'pds host registered from configuration')
  }
}

export const entrywayPlacement = fp(placementPlugin, {
  name: '@entryway/placement',
  fastify: '5.x',
  dependencies: ['@entryway/xrpc'],
})

/** Every XRPC route module of the plugin, in registration order. */
export const PLACEMENT_ROUTES: readonly PlacementRoute[] = [
  createAccountRoute,
  resolveHandleRoute,
  updateHandleRoute,
  createInviteCodeRoute,
  createInviteCodesRoute,
  getAccountInviteCodesRoute,
  disableInviteCodesRoute,
  getInviteCodesRoute,
  disableAccountInvitesRoute,
  enableAccountInvitesRoute,
  adminUpdateAccountHandleRoute,
  ...hostAdminRoutes,
  listAccountsRoute,
  requestCrawlRoute,
]

/** The XRPC methods the plugin serves (the proxy must not forward them). */
export const PLACEMENT_NSIDS: readonly string[] = nsidsOf(PLACEMENT_ROUTES)
