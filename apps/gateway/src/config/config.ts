import proxyAddr from '@fastify/proxy-addr'
import {
  DEFAULT_HEALTH_CHECK_INTERVAL_MS,
  DEFAULT_RECONCILE_INTERVAL_MS,
} from '@entryway/placement'
import {
  DEFAULT_OUTBOX_BACKOFF_MS,
  DEFAULT_OUTBOX_MAX_BACKOFF_MS,
  DEFAULT_OUTBOX_POLL_MS,
  readMailTemplateDir,
  type MailTemplateOverrides,
} from '@entryway/session'
import type { FleetHostSeed, ServerEnvironment } from './env-table.js'
import { ProblemList } from './problems.js'
import { resolveRateLimits, type RateLimitConfig } from './rate-limits.js'

export type { FleetHostSeed }

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
    /** Where `/` on a handle's domain redirects (`{did}`, `{handle}` filled in); null: 404. */
    handleProfileUrl: string | null
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
  /** Periods of the health checker and the sign-up reconciler (each on one instance at a time). */
  workers: { healthIntervalMs: number; reconcileIntervalMs: number }
  /** Durable jobs: how often each instance looks for due ones, and the retry backoff. */
  outbox: { pollMs: number; backoffMs: number; maxBackoffMs: number }
  /** `templates`: the operator's overrides (`ENTRYWAY_MAIL_TEMPLATES_DIR`), read and checked at start. */
  email: { smtpUrl: string; from: string; templates: MailTemplateOverrides } | null
  /**
   * `checkpointFile`: where signed heads of the audit chain are appended (outside the database);
   * default `<ENTRYWAY_DATA_DIR>/admin-audit-checkpoints.jsonl`, else none (logged only).
   */
  adminRbac: { file: string; checkpointFile: string | null; sessionTtlMs: number } | null
  /** Hosts upserted (as enabled when new) at start: the lab and compose use this. */
  fleetSeed: FleetHostSeed[]
  /** Moderation service DIDs accepted on the moderator admin methods (service JWTs). */
  modServiceDids: string[]
  /** Relay base URLs asked to crawl each host. */
  crawlers: string[]
  /** Virtual-PDS forwarding (@entryway/proxy). */
  proxy: {
    upstreamTimeoutMs?: number
    circuitThreshold?: number
    circuitOpenMs?: number
    allowedOrigins: string[]
    defaultHostUrl: string | null
  }
  /** Bounds of the per-process caches (entries and estimated bytes); unset: the plugins' defaults. */
  caches: Record<
    'did' | 'token' | 'route' | 'handle' | 'oauthClient',
    { entries?: number; bytes?: number }
  >
  logLevel: string
  /** Sign-up anti-abuse: the captcha gate (null: off) and the email block-list file (null: built-in list). */
  signup: {
    captcha: {
      provider: 'hcaptcha' | 'turnstile'
      siteKey: string
      secret: string
      verifyUrl?: string
      scriptUrl?: string
      redirects?: string[]
    } | null
    emailBlocklistFile: string | null
  }
  /** Every rate limit (defaults, or `ENTRYWAY_RATE_LIMIT_<NAME>=<points>/<duration>`). */
  rateLimits: RateLimitConfig
}

export const DEFAULT_PORT = 2583
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PLC_URL = 'https://plc.directory'
export const DEFAULT_REDIS_PREFIX = 'entryway-rl-'
export const DEFAULT_HANDLE_DOMAINS = ['.test']
/** 0: the lab and tests stop at once; behind a load balancer set about twice its probe interval. */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 0
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000
export const DEFAULT_LOG_LEVEL = 'info'
export const DEFAULT_ADMIN_SESSION_TTL_HOURS = 24

const DOMAIN_SUFFIX =
  /^\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/** Defaults and cross-field checks; throws every problem at once. Sections that are off are `null`. */
export function envToCfg(env: ServerEnvironment): ServerConfig {
  const problems = new ProblemList()
  const cfg = buildConfig(env, problems)
  problems.throwIfAny()
  return cfg
}

/** `envToCfg` that reports to `problems` instead of throwing (the whole-environment check). */
export function buildConfig(env: ServerEnvironment, problems: ProblemList): ServerConfig {
  const port = env.port ?? DEFAULT_PORT
  const publicUrl = env.publicUrl ?? `http://localhost:${port}`
  const parsedUrl = new URL(publicUrl)
  const hostname = parsedUrl.hostname
  const localDev = isLocalDev(parsedUrl)
  const handleDomains = (env.handleDomains ?? DEFAULT_HANDLE_DOMAINS).map((d) =>
    (d.startsWith('.') ? d : `.${d}`).toLowerCase(),
  )
  for (const d of handleDomains) {
    if (!DOMAIN_SUFFIX.test(d))
      problems.add(
        'ENTRYWAY_HANDLE_DOMAINS',
        `${JSON.stringify(d)} is not a domain suffix`,
        '.example.social',
      )
  }
  const trustProxy = trustProxyOf(env.trustProxy, problems)
  if (env.handleProfileUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(env.handleProfileUrl)) {
    problems.add(
      'ENTRYWAY_HANDLE_PROFILE_URL',
      `${JSON.stringify(env.handleProfileUrl)} is not an http(s) URL template`,
      'https://bsky.app/profile/{did}',
    )
  }
  return {
    service: {
      port,
      host: env.host ?? DEFAULT_HOST,
      publicUrl,
      did: env.did ?? `did:web:${hostname}`,
      name: env.serviceName ?? hostname,
      handleDomains,
      inviteRequired: env.inviteRequired ?? false,
      includeDidDocInSession: env.includeDidDocInSession ?? true,
      trustProxy,
      localDev,
      links: { privacyPolicy: env.privacyPolicyUrl, termsOfService: env.termsOfServiceUrl },
      contactEmail: env.contactEmail,
      handleProfileUrl: env.handleProfileUrl ?? null,
    },
    db: { url: env.databaseUrl, dataDir: env.dataDir },
    redis: env.redisUrl
      ? { url: env.redisUrl, prefix: env.redisPrefix ?? DEFAULT_REDIS_PREFIX }
      : null,
    metrics: {
      token: env.metricsToken ?? null,
      served: env.metricsToken !== undefined || localDev,
    },
    shutdown: {
      drainMs: env.shutdownDrainMs ?? DEFAULT_SHUTDOWN_DRAIN_MS,
      timeoutMs: env.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    },
    plc: { url: env.plcUrl ?? DEFAULT_PLC_URL },
    workers: {
      healthIntervalMs: env.healthIntervalMs ?? DEFAULT_HEALTH_CHECK_INTERVAL_MS,
      reconcileIntervalMs: env.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    },
    outbox: {
      pollMs: env.outboxIntervalMs ?? DEFAULT_OUTBOX_POLL_MS,
      backoffMs: env.outboxBackoffMs ?? DEFAULT_OUTBOX_BACKOFF_MS,
      maxBackoffMs: env.outboxMaxBackoffMs ?? DEFAULT_OUTBOX_MAX_BACKOFF_MS,
    },
    email: emailOf(env, hostname, problems),
    adminRbac: env.adminRbacFile
      ? {
          file: env.adminRbacFile,
          checkpointFile:
            env.adminAuditCheckpointFile ??
            (env.dataDir
              ? `${env.dataDir.replace(/\/+$/, '')}/admin-audit-checkpoints.jsonl`
              : null),
          sessionTtlMs: (env.adminSessionTtlHours ?? DEFAULT_ADMIN_SESSION_TTL_HOURS) * 3_600_000,
        }
      : null,
    fleetSeed: env.fleetHosts ?? [],
    modServiceDids: env.modServiceDids ?? [],
    crawlers: env.crawlers ?? [],
    proxy: {
      upstreamTimeoutMs: env.proxyTimeoutMs,
      circuitThreshold: env.proxyCircuitThreshold,
      circuitOpenMs: env.proxyCircuitOpenMs,
      allowedOrigins: env.proxyAllowedOrigins ?? [],
      defaultHostUrl: env.proxyDefaultHost ?? null,
    },
    caches: {
      did: { entries: env.didCacheEntries, bytes: env.didCacheBytes },
      token: { entries: env.tokenCacheEntries, bytes: env.tokenCacheBytes },
      route: { entries: env.routeCacheEntries, bytes: env.routeCacheBytes },
      handle: { entries: env.handleCacheEntries, bytes: env.handleCacheBytes },
      oauthClient: { entries: env.oauthClientCacheEntries, bytes: env.oauthClientCacheBytes },
    },
    logLevel: env.logLevel ?? DEFAULT_LOG_LEVEL,
    signup: {
      captcha: captchaOf(env, problems),
      emailBlocklistFile: env.emailBlocklistFile ?? null,
    },
    rateLimits: rateLimitsOf(env.rateLimits, problems),
  }
}

/**
 * Mail: on with an SMTP server. Settings that only make sense with one are refused without it
 * (as the PDS refuses a sender without a server), and the template folder is read here, so a bad
 * file stops the start with the other problems instead of a mail later.
 */
function emailOf(
  env: ServerEnvironment,
  hostname: string,
  problems: ProblemList,
): ServerConfig['email'] {
  if (!env.smtpUrl) {
    const set = {
      ENTRYWAY_EMAIL_FROM: env.emailFrom,
      ENTRYWAY_MAIL_TEMPLATES_DIR: env.mailTemplatesDir,
    }
    for (const [name, value] of Object.entries(set)) {
      if (value !== undefined)
        problems.add(
          'ENTRYWAY_SMTP_URL',
          `is required when ${name} is set (without it no mail is sent)`,
          'smtps://user:pass@smtp.example.com:465',
        )
    }
    return null
  }
  let templates: MailTemplateOverrides = {}
  if (env.mailTemplatesDir !== undefined) {
    const dir = readMailTemplateDir(env.mailTemplatesDir)
    for (const p of dir.problems)
      problems.add('ENTRYWAY_MAIL_TEMPLATES_DIR', p, '/etc/entryway/mail-templates')
    templates = dir.overrides
  }
  return { smtpUrl: env.smtpUrl, from: env.emailFrom ?? `noreply@${hostname}`, templates }
}

/** The captcha gate: on with a provider, which then needs its site key and secret. */
function captchaOf(
  env: ServerEnvironment,
  problems: ProblemList,
): ServerConfig['signup']['captcha'] {
  if (!env.captchaProvider) {
    const orphan =
      env.captchaSiteKey !== undefined
        ? 'ENTRYWAY_CAPTCHA_SITE_KEY'
        : env.captchaSecret !== undefined
          ? 'ENTRYWAY_CAPTCHA_SECRET'
          : null
    if (orphan)
      problems.add(
        'ENTRYWAY_CAPTCHA_PROVIDER',
        `is required when ${orphan} is set (the captcha gate is off without it)`,
        'hcaptcha',
      )
    return null
  }
  if (!env.captchaSiteKey)
    problems.add(
      'ENTRYWAY_CAPTCHA_SITE_KEY',
      'is required with ENTRYWAY_CAPTCHA_PROVIDER',
      '10000000-ffff-ffff-ffff-000000000001',
    )
  if (!env.captchaSecret)
    problems.add(
      'ENTRYWAY_CAPTCHA_SECRET',
      'is required with ENTRYWAY_CAPTCHA_PROVIDER',
      '<secret from the provider>',
    )
  return {
    provider: env.captchaProvider,
    siteKey: env.captchaSiteKey ?? '',
    secret: env.captchaSecret ?? '',
    ...(env.captchaVerifyUrl ? { verifyUrl: env.captchaVerifyUrl } : {}),
    ...(env.captchaScriptUrl ? { scriptUrl: env.captchaScriptUrl } : {}),
    ...(env.captchaRedirects?.length ? { redirects: env.captchaRedirects } : {}),
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Plain http on a loopback name: only the lab and tests run like that. */
function isLocalDev(publicUrl: URL): boolean {
  return publicUrl.protocol === 'http:' && LOOPBACK_HOSTS.has(publicUrl.hostname)
}

/** The limits; each bad override (an unknown name, a bad window) is reported and left at its default. */
function rateLimitsOf(
  overrides: Record<string, string> = {},
  problems: ProblemList,
): RateLimitConfig {
  const good: Record<string, string> = {}
  for (const [name, value] of Object.entries(overrides)) {
    try {
      resolveRateLimits({ [name]: value })
      good[name] = value
    } catch (err) {
      const variable = `ENTRYWAY_RATE_LIMIT_${name}`
      problems.add(
        variable,
        (err as Error).message.replace(variable, '').trim(),
        `${variable}=30/5m`,
      )
    }
  }
  return resolveRateLimits(good)
}

/**
 * `ENTRYWAY_TRUST_PROXY` as Fastify takes it: unset → loopback (a proxy on the same machine),
 * `true`/`false`, or addresses and subnets separated by commas (checked here: a typo would
 * otherwise stop the start inside proxy-addr with no variable named). `false` used to reach
 * proxy-addr as an address and stop the start.
 */
function trustProxyOf(value: string | undefined, problems: ProblemList): string | boolean {
  if (value === undefined) return 'loopback'
  const v = value.trim()
  if (v === 'true') return true
  if (v === 'false') return false
  try {
    proxyAddr.compile(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
  } catch (err) {
    problems.add(
      'ENTRYWAY_TRUST_PROXY',
      `${(err as Error).message} in ${JSON.stringify(v)}`,
      '127.0.0.1,10.0.0.0/8',
    )
  }
  return v
}
