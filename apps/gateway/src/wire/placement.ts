import type { FastifyInstance } from 'fastify'
import { HandleResolver } from '@atproto/identity'
import {
  entrywayPlacement,
  UndiciPdsClient,
  UndiciPlcClient,
  type PlacementAuth,
} from '@entryway/placement'
import { signupAntiAbuse } from './signup-anti-abuse.js'
import { placementRateLimits } from './route-limits.js'
import { ACCESS_FULL, ACCESS_STANDARD } from '@entryway/session'
import type { GatewayContext } from '../context.js'
import {
  KyselyHostRegistry,
  KyselyInviteStore,
  KyselyAccountDirectory,
  KyselySignupStore,
  KyselyWorkerLeases,
} from '@entryway/placement/postgres'

/** Deadline of one PDS call made by placement (createAccount included). */
export const PLACEMENT_PDS_TIMEOUT_MS = 20_000
export const PLACEMENT_PLC_TIMEOUT_MS = 10_000
export const EXTERNAL_HANDLE_TIMEOUT_MS = 3_000

/** Registers the placement plugin with its Postgres-backed stores. */
export async function wirePlacement(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg, secrets } = ctx
  const db = ctx.database.db
  const auth: PlacementAuth = {
    async user(req, nsid, opts) {
      const a = await ctx.authVerifier.accessOrService(
        req,
        nsid,
        opts?.full ? ACCESS_FULL : ACCESS_STANDARD,
      )
      return { did: a.did, via: a.type }
    },
    admin: (req) => ctx.authVerifier.adminBasic(req),
    moderator: (req, nsid) => ctx.authVerifier.moderator(req, nsid),
  }
  await app.register(entrywayPlacement, {
    handleDomains: cfg.service.handleDomains,
    inviteRequired: cfg.service.inviteRequired,
    includeDidDoc: cfg.service.includeDidDocInSession,
    rotationKey: ctx.plcRotationKey,
    hosts: new KyselyHostRegistry(db),
    signups: new KyselySignupStore(db),
    accounts: new KyselyAccountDirectory(db),
    invites: new KyselyInviteStore(db),
    pds: new UndiciPdsClient({
      adminPassword: secrets.pdsAdminPassword,
      timeoutMs: PLACEMENT_PDS_TIMEOUT_MS,
    }),
    plc: new UndiciPlcClient(cfg.plc.url, PLACEMENT_PLC_TIMEOUT_MS),
    auth,
    sessions: ctx.sessionIssuer,
    // the same on every instance, across restarts: a retry is recognised wherever it lands
    requestKeySecret: secrets.signupRequestKey,
    externalHandles: new HandleResolver({ timeout: EXTERNAL_HANDLE_TIMEOUT_MS }),
    seedHosts: cfg.fleetSeed.map((h) => ({
      url: h.url,
      did: h.did,
      internalUrl: h.internalUrl ?? null,
    })),
    inviteCodePrefix: invitePrefix(cfg.service.publicUrl),
    onAccountPlaced: ({ host }) => ctx.metrics.accountPlaced(host),
    ...signupAntiAbuse(ctx),
    // sign-up, gate and handle limits: placement counts them, on the shared store
    rateLimits: placementRateLimits(cfg.rateLimits),
    rateLimitStore: ctx.rateLimits.store,
    // the health checker and the reconciler run their rounds on one instance at a time
    workerLeases: new KyselyWorkerLeases(db),
    healthCheckIntervalMs: cfg.workers.healthIntervalMs,
    reconcileIntervalMs: cfg.workers.reconcileIntervalMs,
    crawlers: cfg.crawlers,
  })
}

/** `bsky-social` for https://bsky.social: the PDS's invite code shape. */
function invitePrefix(publicUrl: string): string {
  const p = new URL(publicUrl).hostname
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
  return p || 'entryway'
}
