import { randomUUID } from 'node:crypto'
import type { WorkerLeases } from './worker-lease.js'
import type { Keypair } from '@atproto/crypto'
import {
  EntrywayConfigError,
  optionsKit,
  type RateLimitStore,
  type RateWindow,
} from '@entryway/xrpc'
import type { AccountDirectory } from './account-directory.js'
import type { ExternalHandleResolver, PlacementAuth, SessionMinter } from './deps.js'
import { isHostStatus, normalizeHostUrl, type NewHost } from './host.js'
import type { HostRegistry } from './host-registry.js'
import type { InviteStore } from './invite-store.js'
import type { PdsClient } from './pds-client.js'
import { leastLoadedStrategy, type PlacementStrategy } from './placement-strategy.js'
import type { PlcClient } from './plc-client.js'
import { DEFAULT_RESERVED_HANDLES } from './reserved-handles.js'
import { DEFAULT_CRAWL_ATTEMPTS, DEFAULT_CRAWL_BACKOFF_MS } from './relay-crawlers.js'
import type { SignupStore } from './signup-store.js'
import type { SignupGate } from './signup-gate.js'
import { DEFAULT_DISPOSABLE_EMAIL_DOMAINS } from './email-blocklist.js'

export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 10_000

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** Windows of placement's own limits; each route module names the ones it counts. */
export interface PlacementRateLimits {
  /** createAccount per IP (the reference PDS's limit). @default 100 / 5 min */
  createAccountPerIp: RateWindow
  /** @default 20 / hour */
  createAccountPerIpHourly: RateWindow
  /** createAccount per /24 (IPv4) or /48 (IPv6). @default 100 / hour */
  createAccountPerSubnet: RateWindow
  /** Sign-ups that passed the captcha and block-list checks, service-wide. @default 1000 / hour */
  signupsPerService: RateWindow
  /** `/gate/signup` (the captcha page and its verification) per IP. @default 60 / 5 min */
  signupGatePerIp: RateWindow
  /** identity.updateHandle per account (the reference PDS's limit). @default 10 / 5 min */
  updateHandlePerAccount: RateWindow
  /** identity.updateHandle per IP (the reference PDS's limit). @default 50 / day */
  updateHandlePerIpDaily: RateWindow
}

export const DEFAULT_PLACEMENT_RATE_LIMITS: Readonly<PlacementRateLimits> = Object.freeze({
  createAccountPerIp: { points: 100, durationMs: 5 * MINUTE },
  createAccountPerIpHourly: { points: 20, durationMs: HOUR },
  createAccountPerSubnet: { points: 100, durationMs: HOUR },
  signupsPerService: { points: 1000, durationMs: HOUR },
  signupGatePerIp: { points: 60, durationMs: 5 * MINUTE },
  updateHandlePerAccount: { points: 10, durationMs: 5 * MINUTE },
  updateHandlePerIpDaily: { points: 50, durationMs: 24 * HOUR },
})
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 3_000
export const DEFAULT_UNHEALTHY_AFTER_FAILURES = 1
export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000
export const DEFAULT_RECONCILE_STALE_AFTER_MS = 5 * 60_000
export const DEFAULT_RETRY_WAIT_MS = 30_000
export const DEFAULT_REPLAY_WINDOW_MS = 10 * 60_000
export const DEFAULT_HOST_ATTEMPTS = 2

export interface PlacementOptions {
  /** Service handle domains, e.g. `['.bsky.social']` (a leading dot is added when missing). */
  handleDomains: string[]
  /** @default false */
  inviteRequired?: boolean
  /** First labels refused at sign-up. @default DEFAULT_RESERVED_HANDLES */
  reservedHandles?: readonly string[]
  /** The Entryway's PLC rotation key: signs genesis and handle operations. */
  rotationKey: Keypair
  hosts: HostRegistry
  signups: SignupStore
  accounts: AccountDirectory
  invites: InviteStore
  pds: PdsClient
  plc: PlcClient
  auth: PlacementAuth
  sessions: SessionMinter
  /** Secret keying the hash that recognises a retried sign-up (share it across instances). */
  requestKeySecret: string | Uint8Array
  /** @default leastLoadedStrategy */
  strategy?: PlacementStrategy
  /** Return the DID document with createAccount (clients then talk to the PDS directly). @default true */
  includeDidDoc?: boolean
  /** Resolver for custom-domain handles; null answers only for the Entryway's own handles. @default null */
  externalHandles?: ExternalHandleResolver | null
  /** Hosts registered (as enabled) at start when their URL is new. @default [] */
  seedHosts?: NewHost[]
  /** Prefix of generated invite codes. @default 'entryway' */
  inviteCodePrefix?: string
  /** Period of the `_health`/`describeServer` checks; 0 turns them off. @default 10000 */
  healthCheckIntervalMs?: number
  /** @default 3000 */
  healthCheckTimeoutMs?: number
  /** Failed checks in a row before a host is unhealthy. @default 1 */
  unhealthyAfterFailures?: number
  /** Period of the stuck sign-up reconciler; 0 turns it off. @default 60000 */
  reconcileIntervalMs?: number
  /** Age after which a live sign-up row is considered stuck. @default 300000 */
  reconcileStaleAfterMs?: number
  /** How long a duplicate sign-up waits for the identical one in flight. @default 30000 */
  retryWaitMs?: number
  /** How long after completion an identical sign-up gets the same account back. @default 600000 */
  replayWindowMs?: number
  /** Hosts tried when a chosen one cannot be reached. @default 2 */
  hostAttempts?: number
  /**
   * Leases that keep the timer rounds of the health checker and the sign-up reconciler on one
   * instance at a time (the rest skip them). @default null (every instance runs them)
   */
  workerLeases?: WorkerLeases | null
  /** This instance's name as a lease holder. @default a random id */
  instanceId?: string
  /** Told of each account created, with its host's public URL (metrics). @default a no-op */
  onAccountPlaced?: (event: { did: string; host: string }) => void
  /** The captcha gate of sign-up (`/gate/signup`, `verificationCode`); null: no captcha. @default null */
  signupGate?: SignupGate | null
  /** Email domains refused at sign-up (and their subdomains). @default DEFAULT_DISPOSABLE_EMAIL_DOMAINS */
  emailBlocklist?: Iterable<string>
  /**
   * Windows of the routes' limits and of the service-wide sign-up throttle; `false` turns them
   * off. @default DEFAULT_PLACEMENT_RATE_LIMITS
   */
  rateLimits?: Partial<PlacementRateLimits> | false
  /** A @fastify/rate-limit store constructor the limits count on (Redis, shared by instances). @default null (in memory) */
  rateLimitStore?: RateLimitStore | null
  /** Relay base URLs asked to crawl a host when it is enabled, and on `requestCrawl`. @default [] */
  crawlers?: readonly string[]
  /** Tries per relay and host. @default 4 */
  crawlAttempts?: number
  /** Wait before the second try, doubled each time. @default 1000 */
  crawlBackoffMs?: number
}

export type ResolvedPlacementOptions = Readonly<
  Required<
    Omit<
      PlacementOptions,
      'reservedHandles' | 'requestKeySecret' | 'emailBlocklist' | 'crawlers' | 'rateLimits'
    >
  > & {
    rateLimits: Readonly<PlacementRateLimits> | null
    emailBlocklist: ReadonlySet<string>
    crawlers: readonly string[]
    reservedHandles: ReadonlySet<string>
    requestKeySecret: Uint8Array
  }
>

const P = '@entryway/placement'
const { bool, positiveInt, nonNegativeInt, fn, rateWindows } = optionsKit(P)

export function resolveOptions(raw: PlacementOptions): ResolvedPlacementOptions {
  if (!raw || typeof raw !== 'object') throw new EntrywayConfigError(`${P}: options are required`)
  for (const k of [
    'rotationKey',
    'hosts',
    'signups',
    'accounts',
    'invites',
    'pds',
    'plc',
    'auth',
    'sessions',
  ] as const) {
    if (!raw[k]) throw new EntrywayConfigError(`${P}: ${k} is required`)
  }
  if (!Array.isArray(raw.handleDomains) || raw.handleDomains.length === 0) {
    throw new EntrywayConfigError(`${P}: handleDomains must be a non-empty array`)
  }
  const handleDomains = raw.handleDomains.map((d) => {
    if (typeof d !== 'string' || d.replace(/^\./, '').length === 0)
      throw new EntrywayConfigError(`${P}: invalid handle domain ${String(d)}`)
    return (d.startsWith('.') ? d : `.${d}`).toLowerCase()
  })
  const secret =
    typeof raw.requestKeySecret === 'string'
      ? new TextEncoder().encode(raw.requestKeySecret)
      : raw.requestKeySecret
  if (!(secret instanceof Uint8Array) || secret.length < 16)
    throw new EntrywayConfigError(`${P}: requestKeySecret must be at least 16 bytes`)
  const seedHosts = (raw.seedHosts ?? []).map((h) => {
    try {
      if (typeof h.did !== 'string' || !h.did.startsWith('did:'))
        throw new Error(`bad DID ${String(h.did)}`)
      if (h.status !== undefined && !isHostStatus(h.status))
        throw new Error(`bad status ${String(h.status)}`)
      return {
        ...h,
        url: normalizeHostUrl(h.url),
        ...(h.internalUrl ? { internalUrl: normalizeHostUrl(h.internalUrl) } : {}),
      }
    } catch (err) {
      throw new EntrywayConfigError(`${P}: invalid seed host: ${(err as Error).message}`)
    }
  })
  const prefix = raw.inviteCodePrefix ?? 'entryway'
  if (!/^[a-z0-9-]{1,40}$/.test(prefix))
    throw new EntrywayConfigError(
      `${P}: inviteCodePrefix must be lower-case letters, digits and dashes`,
    )
  return Object.freeze({
    handleDomains,
    inviteRequired: bool('inviteRequired', raw.inviteRequired, false),
    reservedHandles: new Set(
      (raw.reservedHandles ?? DEFAULT_RESERVED_HANDLES).map((h) => h.toLowerCase()),
    ),
    rotationKey: raw.rotationKey,
    hosts: raw.hosts,
    signups: raw.signups,
    accounts: raw.accounts,
    invites: raw.invites,
    pds: raw.pds,
    plc: raw.plc,
    auth: raw.auth,
    sessions: raw.sessions,
    requestKeySecret: secret,
    strategy: raw.strategy ?? leastLoadedStrategy,
    includeDidDoc: bool('includeDidDoc', raw.includeDidDoc, true),
    externalHandles: raw.externalHandles ?? null,
    seedHosts,
    inviteCodePrefix: prefix,
    healthCheckIntervalMs: nonNegativeInt(
      'healthCheckIntervalMs',
      raw.healthCheckIntervalMs,
      DEFAULT_HEALTH_CHECK_INTERVAL_MS,
    ),
    healthCheckTimeoutMs: positiveInt(
      'healthCheckTimeoutMs',
      raw.healthCheckTimeoutMs,
      DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
    ),
    unhealthyAfterFailures: positiveInt(
      'unhealthyAfterFailures',
      raw.unhealthyAfterFailures,
      DEFAULT_UNHEALTHY_AFTER_FAILURES,
    ),
    reconcileIntervalMs: nonNegativeInt(
      'reconcileIntervalMs',
      raw.reconcileIntervalMs,
      DEFAULT_RECONCILE_INTERVAL_MS,
    ),
    reconcileStaleAfterMs: positiveInt(
      'reconcileStaleAfterMs',
      raw.reconcileStaleAfterMs,
      DEFAULT_RECONCILE_STALE_AFTER_MS,
    ),
    retryWaitMs: nonNegativeInt('retryWaitMs', raw.retryWaitMs, DEFAULT_RETRY_WAIT_MS),
    replayWindowMs: nonNegativeInt('replayWindowMs', raw.replayWindowMs, DEFAULT_REPLAY_WINDOW_MS),
    hostAttempts: positiveInt('hostAttempts', raw.hostAttempts, DEFAULT_HOST_ATTEMPTS),
    onAccountPlaced: fn(
      'onAccountPlaced',
      raw.onAccountPlaced,
      (_event: { did: string; host: string }): void => {},
    ),
    signupGate: raw.signupGate ?? null,
    emailBlocklist: new Set(
      [...(raw.emailBlocklist ?? DEFAULT_DISPOSABLE_EMAIL_DOMAINS)].map((d) => d.toLowerCase()),
    ),
    rateLimits: rateWindows(raw.rateLimits, DEFAULT_PLACEMENT_RATE_LIMITS),
    rateLimitStore: raw.rateLimitStore ?? null,
    workerLeases: leasesOf(raw.workerLeases),
    instanceId: raw.instanceId ?? randomUUID(),
    crawlers: relayUrls(raw.crawlers),
    crawlAttempts: positiveInt('crawlAttempts', raw.crawlAttempts, DEFAULT_CRAWL_ATTEMPTS),
    crawlBackoffMs: nonNegativeInt('crawlBackoffMs', raw.crawlBackoffMs, DEFAULT_CRAWL_BACKOFF_MS),
  })
}

function leasesOf(v: unknown): WorkerLeases | null {
  if (v === undefined || v === null) return null
  if (typeof (v as WorkerLeases).acquire !== 'function')
    throw new EntrywayConfigError(`${P}: workerLeases must have an acquire() method`)
  return v as WorkerLeases
}

function relayUrls(v: unknown): readonly string[] {
  if (v === undefined) return []
  if (!Array.isArray(v))
    throw new EntrywayConfigError(`${P}: crawlers must be an array of relay URLs`)
  return Object.freeze(
    v.map((u) => {
      const url = typeof u === 'string' && URL.canParse(u) ? new URL(u) : null
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
        throw new EntrywayConfigError(`${P}: crawler ${String(u)} is not an http(s) URL`)
      return url.origin
    }),
  )
}
