import { EntrywayConfigError } from '@entryway/xrpc'
import type { ServerEnvironment } from './env.js'
import { resolveRateLimits, type RateLimitConfig } from './rate-limits.js'

export interface FleetHostSeed {
  url: string
  did: string
  internalUrl?: string
}

export interface ServerConfig {
  service: {
    port: number
    host: string
    publicUrl: string
    did: string
    name: string
    handleDomains: string[]
    inviteRequired: boolean
    includeDidDocInSession: boolean
    trustProxy: string | boolean
    /** The public URL is plain http on loopback: the lab and tests (dev defaults apply). */
    localDev: boolean
    links: { privacyPolicy?: string; termsOfService?: string }
    contactEmail?: string
  }
  db: { url?: string; dataDir?: string }
  /** Rate-limit counters shared by every instance; `prefix` starts every key. */
  redis: { url: string; prefix: string } | null
  /**
   * `/metrics`: with a token, scrapes need `Authorization: Bearer <token>`. Without one it is
   * served (open) only in local dev; elsewhere it is not served at all (`served: false`).
   */
  metrics: { token: string | null; served: boolean }
  /**
   * SIGTERM: `/xrpc/_ready` answers 503 for `drainMs` while requests are still served (time for a
   * load balancer to notice), then the server stops accepting and waits for requests in flight,
   * for at most `timeoutMs`.
   */
  shutdown: { drainMs: number; timeoutMs: number }
  plc: { url: string }
  email: { smtpUrl: string; from: string } | null
  adminRbac: { file: string } | null
  /** Hosts upserted (as enabled when new) at start: the lab and compose use this. */
  fleetSeed: FleetHostSeed[]
  /** Virtual-PDS forwarding (@entryway/proxy). */
  proxy: { upstreamTimeoutMs?: number; allowedOrigins: string[]; defaultHostUrl: string | null }
  logLevel: string
  /** Every rate limit (defaults, or `ENTRYWAY_RATE_LIMIT_<NAME>=<points>/<duration>`). */
  rateLimits: RateLimitConfig
}

export const DEFAULT_PORT = 2583
export const DEFAULT_PLC_URL = 'https://plc.directory'
export const DEFAULT_REDIS_PREFIX = 'entryway-rl-'
/** 0: the lab and tests stop at once; behind a load balancer set about twice its probe interval. */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 0
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000

/** Defaults and cross-field checks. Sections that are off are `null`. */
export function envToCfg(env: ServerEnvironment): ServerConfig {
  const port = env.port ?? DEFAULT_PORT
  const publicUrl = (env.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '')
  const url = new URL(publicUrl)
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new EntrywayConfigError('ENTRYWAY_PUBLIC_URL must be an origin (no path): PDSes use it as the OAuth issuer')
  }
  const did = env.did ?? `did:web:${url.hostname}`
  if (!did.startsWith('did:')) throw new EntrywayConfigError('ENTRYWAY_DID must be a DID')
  const handleDomains = (env.handleDomains ?? ['.test']).map((d) => (d.startsWith('.') ? d : `.${d}`).toLowerCase())
  let fleetSeed: FleetHostSeed[] = []
  if (env.fleetHosts) {
    try {
      fleetSeed = JSON.parse(env.fleetHosts)
    } catch (err) {
      throw new EntrywayConfigError('ENTRYWAY_FLEET_HOSTS must be a JSON array of {url, did}', { cause: err })
    }
    if (!Array.isArray(fleetSeed) || !fleetSeed.every((h) => typeof h?.url === 'string' && typeof h?.did === 'string')) {
      throw new EntrywayConfigError('ENTRYWAY_FLEET_HOSTS must be a JSON array of {url, did}')
    }
  }
  return {
    service: {
      port,
      host: env.host ?? '127.0.0.1',
      publicUrl,
      did,
      name: env.serviceName ?? url.hostname,
      handleDomains,
      inviteRequired: env.inviteRequired ?? false,
      includeDidDocInSession: env.includeDidDocInSession ?? true,
      trustProxy: trustProxyOf(env.trustProxy),
      localDev: isLocalDev(url),
      links: { privacyPolicy: env.privacyPolicyUrl, termsOfService: env.termsOfServiceUrl },
      contactEmail: env.contactEmail,
    },
    db: { url: env.databaseUrl, dataDir: env.dataDir },
    redis: env.redisUrl ? { url: env.redisUrl, prefix: env.redisPrefix ?? DEFAULT_REDIS_PREFIX } : null,
    metrics: { token: env.metricsToken ?? null, served: env.metricsToken !== undefined || isLocalDev(url) },
    shutdown: { drainMs: nonNegative('ENTRYWAY_SHUTDOWN_DRAIN_MS', env.shutdownDrainMs, DEFAULT_SHUTDOWN_DRAIN_MS), timeoutMs: nonNegative('ENTRYWAY_SHUTDOWN_TIMEOUT_MS', env.shutdownTimeoutMs, DEFAULT_SHUTDOWN_TIMEOUT_MS) },
    plc: { url: (env.plcUrl ?? DEFAULT_PLC_URL).replace(/\/+$/, '') },
    email: env.smtpUrl ? { smtpUrl: env.smtpUrl, from: env.emailFrom ?? `noreply@${url.hostname}` } : null,
    adminRbac: env.adminRbacFile ? { file: env.adminRbacFile } : null,
    fleetSeed,
    proxy: {
      upstreamTimeoutMs: env.proxyTimeoutMs,
      allowedOrigins: env.proxyAllowedOrigins ?? [],
      defaultHostUrl: env.proxyDefaultHost ?? null,
    },
    logLevel: env.logLevel ?? 'info',
    rateLimits: resolveRateLimits(env.rateLimits),
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Plain http on a loopback name: only the lab and tests run like that. */
function isLocalDev(publicUrl: URL): boolean {
  return publicUrl.protocol === 'http:' && LOOPBACK_HOSTS.has(publicUrl.hostname)
}

function nonNegative(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def
  if (!Number.isInteger(v) || v < 0) throw new EntrywayConfigError(`${name} must be a non-negative integer (ms)`)
  return v
}

/**
 * `ENTRYWAY_TRUST_PROXY` as Fastify takes it: unset → loopback (a proxy on the same machine),
 * `true`/`false`, or addresses and subnets separated by commas. `false` used to reach proxy-addr
 * as an address and stop the start.
 */
function trustProxyOf(value: string | undefined): string | boolean {
  if (value === undefined) return 'loopback'
  const v = value.trim()
  if (v === 'true') return true
  if (v === 'false') return false
  return v
}
