import type { FastifyInstance } from 'fastify'
import { SESSION_NSIDS, verifyAccessToken } from '@entryway/session'
import { MOVE_NSIDS, PLACEMENT_NSIDS } from '@entryway/placement'
import { OAUTH_NSIDS } from '@entryway/oauth'
import { entrywayProxy } from '@entryway/proxy'
import type { GatewayContext } from '../context.js'
import { KyselyHostDirectory, KyselyAccountRoutes } from '@entryway/proxy/postgres'

/** Served by the app itself (routes/describe-server.ts). */
const GATEWAY_NSIDS = ['com.atproto.server.describeServer']

/**
 * Every method the Entryway's plugins serve, from their route modules: known before any plugin is
 * registered (the proxy goes first) and whether or not a plugin is switched on by the
 * configuration (an owned method reaching the catch-all is refused, never forwarded to a PDS that
 * would send it back). `ENTRYWAY_RESERVED_NSIDS` the proxy adds itself.
 */
export const ENTRYWAY_OWNED_NSIDS: readonly string[] = [
  ...SESSION_NSIDS,
  ...PLACEMENT_NSIDS,
  ...MOVE_NSIDS,
  ...OAUTH_NSIDS,
  ...GATEWAY_NSIDS,
]

/** Registers the virtual-PDS catch-all with its Postgres-backed stores. */
export async function wireProxy(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg, metrics } = ctx
  const db = ctx.database.db
  await app.register(entrywayProxy, {
    hosts: new KyselyHostDirectory(db),
    accounts: new KyselyAccountRoutes(db),
    didResolver: ctx.didResolver,
    metrics,
    verifyAccessToken: (token) => verifyAccessToken(ctx.keyring, token),
    entrywayDid: cfg.service.did,
    ownedNsids: ENTRYWAY_OWNED_NSIDS,
    allowedOrigins: cfg.proxy.allowedOrigins,
    defaultHostUrl: cfg.proxy.defaultHostUrl,
    ...(cfg.proxy.upstreamTimeoutMs ? { upstreamTimeoutMs: cfg.proxy.upstreamTimeoutMs } : {}),
    ...(cfg.proxy.circuitThreshold ? { circuitThreshold: cfg.proxy.circuitThreshold } : {}),
    ...(cfg.proxy.circuitOpenMs ? { circuitOpenMs: cfg.proxy.circuitOpenMs } : {}),
    ...bound('tokenCacheSize', cfg.caches.token.entries),
    ...bound('tokenCacheMaxBytes', cfg.caches.token.bytes),
    ...bound('routeCacheSize', cfg.caches.route.entries),
    ...bound('routeCacheMaxBytes', cfg.caches.route.bytes),
    ...bound('handleCacheSize', cfg.caches.handle.entries),
    ...bound('handleCacheMaxBytes', cfg.caches.handle.bytes),
  })
}

/** `{ [option]: value }` when the operator set it, else nothing (the plugin's default). */
function bound<K extends string>(option: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [option]: value } as Record<K, number>)
}
