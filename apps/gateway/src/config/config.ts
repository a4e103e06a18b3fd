import { EntrywayConfigError } from '@entryway/xrpc'
import type { ServerEnvironment } from './env.js'

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
    links: { privacyPolicy?: string; termsOfService?: string }
    contactEmail?: string
  }
  db: { url?: string; dataDir?: string }
  redis: { url: string } | null
  plc: { url: string }
  email: { smtpUrl: string; from: string } | null
  adminRbac: { file: string } | null
  /** Hosts upserted (as enabled when new) at start: the lab and compose use this. */
  fleetSeed: FleetHostSeed[]
  /** Virtual-PDS forwarding (@entryway/proxy). */
  proxy: { upstreamTimeoutMs?: number; allowedOrigins: string[]; defaultHostUrl: string | null }
  logLevel: string
}

export const DEFAULT_PORT = 2583
export const DEFAULT_PLC_URL = 'https://plc.directory'

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
      trustProxy: env.trustProxy === undefined ? 'loopback' : env.trustProxy === 'true' ? true : env.trustProxy,
      links: { privacyPolicy: env.privacyPolicyUrl, termsOfService: env.termsOfServiceUrl },
      contactEmail: env.contactEmail,
    },
    db: { url: env.databaseUrl, dataDir: env.dataDir },
    redis: env.redisUrl ? { url: env.redisUrl } : null,
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
  }
}
