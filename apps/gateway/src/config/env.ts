import { rateLimitOverrides } from './rate-limits.js'

/** Raw environment, every field optional. Only `readEnv` touches `process.env`. */
export interface ServerEnvironment {
  port?: number
  host?: string
  publicUrl?: string
  did?: string
  serviceName?: string
  handleDomains?: string[]
  databaseUrl?: string
  dataDir?: string
  redisUrl?: string
  redisPrefix?: string
  metricsToken?: string
  shutdownDrainMs?: number
  shutdownTimeoutMs?: number
  plcUrl?: string
  jwtSigningKeyHex?: string
  jwtSigningKeyFile?: string
  jwtPreviousPublicKeysHex?: string[]
  plcRotationKeyHex?: string
  plcRotationKeyFile?: string
  pdsAdminPassword?: string
  fleetHosts?: string
  inviteRequired?: boolean
  smtpUrl?: string
  emailFrom?: string
  adminRbacFile?: string
  includeDidDocInSession?: boolean
  logLevel?: string
  trustProxy?: string
  privacyPolicyUrl?: string
  termsOfServiceUrl?: string
  contactEmail?: string
  proxyTimeoutMs?: number
  proxyAllowedOrigins?: string[]
  proxyDefaultHost?: string
  /** `ENTRYWAY_RATE_LIMIT_<NAME>` values keyed by NAME (see config/rate-limits.ts). */
  rateLimits?: Record<string, string>
}

/** Every variable the gateway reads; the compose file and the lab are checked against this list. */
export const ENV_NAMES = [
  'ENTRYWAY_PORT',
  'ENTRYWAY_HOST',
  'ENTRYWAY_PUBLIC_URL',
  'ENTRYWAY_DID',
  'ENTRYWAY_SERVICE_NAME',
  'ENTRYWAY_HANDLE_DOMAINS',
  'DATABASE_URL',
  'ENTRYWAY_DATA_DIR',
  'ENTRYWAY_REDIS_URL',
  'ENTRYWAY_REDIS_PREFIX',
  'ENTRYWAY_METRICS_TOKEN',
  'ENTRYWAY_SHUTDOWN_DRAIN_MS',
  'ENTRYWAY_SHUTDOWN_TIMEOUT_MS',
  'ENTRYWAY_PLC_URL',
  'ENTRYWAY_JWT_SIGNING_KEY_HEX',
  'ENTRYWAY_JWT_SIGNING_KEY_FILE',
  'ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX',
  'ENTRYWAY_PLC_ROTATION_KEY_HEX',
  'ENTRYWAY_PLC_ROTATION_KEY_FILE',
  'ENTRYWAY_PDS_ADMIN_PASSWORD',
  'ENTRYWAY_FLEET_HOSTS',
  'ENTRYWAY_INVITE_REQUIRED',
  'ENTRYWAY_SMTP_URL',
  'ENTRYWAY_EMAIL_FROM',
  'ENTRYWAY_ADMIN_RBAC_FILE',
  'ENTRYWAY_INCLUDE_DID_DOC',
  'ENTRYWAY_LOG_LEVEL',
  'ENTRYWAY_TRUST_PROXY',
  'ENTRYWAY_PRIVACY_POLICY_URL',
  'ENTRYWAY_TERMS_OF_SERVICE_URL',
  'ENTRYWAY_CONTACT_EMAIL',
  'ENTRYWAY_PROXY_TIMEOUT_MS',
  'ENTRYWAY_PROXY_ALLOWED_ORIGINS',
  'ENTRYWAY_PROXY_DEFAULT_HOST',
] as const

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnvironment {
  return {
    port: envInt(env.ENTRYWAY_PORT),
    host: envStr(env.ENTRYWAY_HOST),
    publicUrl: envStr(env.ENTRYWAY_PUBLIC_URL),
    did: envStr(env.ENTRYWAY_DID),
    serviceName: envStr(env.ENTRYWAY_SERVICE_NAME),
    handleDomains: envList(env.ENTRYWAY_HANDLE_DOMAINS),
    databaseUrl: envStr(env.DATABASE_URL),
    dataDir: envStr(env.ENTRYWAY_DATA_DIR),
    redisUrl: envStr(env.ENTRYWAY_REDIS_URL),
    redisPrefix: envStr(env.ENTRYWAY_REDIS_PREFIX),
    metricsToken: envStr(env.ENTRYWAY_METRICS_TOKEN),
    shutdownDrainMs: envInt(env.ENTRYWAY_SHUTDOWN_DRAIN_MS),
    shutdownTimeoutMs: envInt(env.ENTRYWAY_SHUTDOWN_TIMEOUT_MS),
    plcUrl: envStr(env.ENTRYWAY_PLC_URL),
    jwtSigningKeyHex: envStr(env.ENTRYWAY_JWT_SIGNING_KEY_HEX),
    jwtSigningKeyFile: envStr(env.ENTRYWAY_JWT_SIGNING_KEY_FILE),
    jwtPreviousPublicKeysHex: envList(env.ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX),
    plcRotationKeyHex: envStr(env.ENTRYWAY_PLC_ROTATION_KEY_HEX),
    plcRotationKeyFile: envStr(env.ENTRYWAY_PLC_ROTATION_KEY_FILE),
    pdsAdminPassword: envStr(env.ENTRYWAY_PDS_ADMIN_PASSWORD),
    fleetHosts: envStr(env.ENTRYWAY_FLEET_HOSTS),
    inviteRequired: envBool(env.ENTRYWAY_INVITE_REQUIRED),
    smtpUrl: envStr(env.ENTRYWAY_SMTP_URL),
    emailFrom: envStr(env.ENTRYWAY_EMAIL_FROM),
    adminRbacFile: envStr(env.ENTRYWAY_ADMIN_RBAC_FILE),
    includeDidDocInSession: envBool(env.ENTRYWAY_INCLUDE_DID_DOC),
    logLevel: envStr(env.ENTRYWAY_LOG_LEVEL),
    trustProxy: envStr(env.ENTRYWAY_TRUST_PROXY),
    privacyPolicyUrl: envStr(env.ENTRYWAY_PRIVACY_POLICY_URL),
    termsOfServiceUrl: envStr(env.ENTRYWAY_TERMS_OF_SERVICE_URL),
    contactEmail: envStr(env.ENTRYWAY_CONTACT_EMAIL),
    proxyTimeoutMs: envInt(env.ENTRYWAY_PROXY_TIMEOUT_MS),
    proxyAllowedOrigins: envList(env.ENTRYWAY_PROXY_ALLOWED_ORIGINS),
    proxyDefaultHost: envStr(env.ENTRYWAY_PROXY_DEFAULT_HOST),
    rateLimits: rateLimitOverrides(env),
  }
}

const envStr = (v: string | undefined) => (v === undefined || v === '' ? undefined : v)
const envInt = (v: string | undefined) => (envStr(v) === undefined ? undefined : Number.parseInt(v!, 10))
const envBool = (v: string | undefined) => (envStr(v) === undefined ? undefined : v === 'true' || v === '1')
const envList = (v: string | undefined) =>
  envStr(v) === undefined ? undefined : v!.split(',').map((s) => s.trim()).filter(Boolean)
