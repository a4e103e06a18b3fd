import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AccountCreator } from './account-creator.js'
import { HandleUpdater } from './handle-updater.js'
import { HealthChecker } from './health-checker.js'
import { HostConflictError } from './host-registry.js'
import { resolveOptions, type PlacementOptions, type ResolvedPlacementOptions } from './options.js'
import type { PlacementRouteDeps } from './route-deps.js'
import { registerDisableInviteCodes } from './routes/com.atproto.admin.disableInviteCodes.js'
import { registerGetInviteCodes } from './routes/com.atproto.admin.getInviteCodes.js'
import { registerDisableAccountInvites } from './routes/com.atproto.admin.disableAccountInvites.js'
import { registerEnableAccountInvites } from './routes/com.atproto.admin.enableAccountInvites.js'
import { registerAdminUpdateAccountHandle } from './routes/com.atproto.admin.updateAccountHandle.js'
import { registerResolveHandle } from './routes/com.atproto.identity.resolveHandle.js'
import { registerUpdateHandle } from './routes/com.atproto.identity.updateHandle.js'
import { registerCreateAccount } from './routes/com.atproto.server.createAccount.js'
import { registerCreateInviteCode } from './routes/com.atproto.server.createInviteCode.js'
import { registerCreateInviteCodes } from './routes/com.atproto.server.createInviteCodes.js'
import { registerGetAccountInviteCodes } from './routes/com.atproto.server.getAccountInviteCodes.js'
import { registerHostAdmin } from './routes/com.entryway.admin.hosts.js'
import { registerListAccounts } from './routes/com.entryway.admin.listAccounts.js'
import { registerWellKnownAtprotoDid } from './routes/well-known-atproto-did.js'
import { registerGateSignup } from './routes/gate-signup.js'
import { SignupReconciler } from './signup-reconciler.js'
import { RelayCrawlers } from './relay-crawlers.js'
import { registerRequestCrawl } from './routes/com.entryway.admin.requestCrawl.js'

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
  const deps: PlacementRouteDeps = {
    o,
    creator: new AccountCreator(o),
    handles: new HandleUpdater(o),
    health,
    reconciler,
    crawlers,
  }
  app.decorate('entrywayPlacement', { health, reconciler, options: o })

  registerCreateAccount(app, deps)
  registerResolveHandle(app, deps)
  registerUpdateHandle(app, deps)
  registerWellKnownAtprotoDid(app, { accounts: o.accounts })
  registerCreateInviteCode(app, deps)
  registerCreateInviteCodes(app, deps)
  registerGetAccountInviteCodes(app, deps)
  registerDisableInviteCodes(app, deps)
  registerGetInviteCodes(app, deps)
  registerDisableAccountInvites(app, deps)
  registerEnableAccountInvites(app, deps)
  registerAdminUpdateAccountHandle(app, deps)
  registerHostAdmin(app, deps)
  registerListAccounts(app, deps)
  if (o.signupGate) await registerGateSignup(app, o.signupGate)
  registerRequestCrawl(app, deps)

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
