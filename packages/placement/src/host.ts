/** Operator lifecycle of a fleet host. Health is observed separately and never changes this. */
export type HostStatus = 'registered' | 'enabled' | 'draining' | 'disabled' | 'retired'

export const HOST_STATUSES: readonly HostStatus[] = [
  'registered',
  'enabled',
  'draining',
  'disabled',
  'retired',
]

export interface Host {
  id: number
  /** Public base URL, exactly as DID documents name it (`#atproto_pds`), no trailing slash. */
  url: string
  /** The PDS's service DID (the `aud` of access tokens for its accounts). */
  did: string
  /** Where the Entryway reaches it, when it differs from `url`. */
  internalUrl: string | null
  status: HostStatus
  /** Share of new accounts relative to other hosts; 0 takes none. */
  weight: number
  /** Most accounts it may hold; null is unlimited. */
  accountCap: number | null
  healthy: boolean
  consecutiveFailures: number
  lastCheckAt: string | null
  lastError: string | null
  version: string | null
  createdAt: string
  updatedAt: string
}

export interface NewHost {
  url: string
  did: string
  internalUrl?: string | null
  /** @default 'registered' */
  status?: HostStatus
  /** @default 1 */
  weight?: number
  accountCap?: number | null
}

/**
 * The row a new host starts as, with its defaults filled in: registered, weight 1, no cap,
 * unhealthy until its first check. Every HostRegistry builds new hosts from this.
 */
export function newHostRow(
  n: NewHost,
  now: string,
): Omit<Host, 'id' | 'lastCheckAt' | 'lastError' | 'version'> {
  return {
    url: n.url,
    did: n.did,
    internalUrl: n.internalUrl ?? null,
    status: n.status ?? 'registered',
    weight: n.weight ?? 1,
    accountCap: n.accountCap ?? null,
    healthy: false,
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
  }
}

/** One health observation. */
export interface HealthObservation {
  ok: boolean
  at: string
  error?: string | null
  version?: string | null
}

/**
 * Allowed operator moves. Retiring needs the host empty (checked by the registry user), and an
 * enabled host must drain first so no sign-up lands on it mid-retirement.
 */
const TRANSITIONS: Record<HostStatus, readonly HostStatus[]> = {
  registered: ['enabled', 'disabled', 'retired'],
  enabled: ['draining', 'disabled'],
  draining: ['enabled', 'disabled', 'retired'],
  disabled: ['enabled', 'draining', 'retired'],
  retired: [],
}

export function canTransition(from: HostStatus, to: HostStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to)
}

export function isHostStatus(v: unknown): v is HostStatus {
  return typeof v === 'string' && (HOST_STATUSES as readonly string[]).includes(v)
}

/** Base URL requests go to. */
export function hostBaseUrl(h: Pick<Host, 'url' | 'internalUrl'>): string {
  return (h.internalUrl ?? h.url).replace(/\/+$/, '')
}

/** Canonical form of a host URL: origin only, no trailing slash. Throws on anything else. */
export function normalizeHostUrl(raw: string): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new Error(`not a URL: ${raw}`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`not an http(s) URL: ${raw}`)
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
    throw new Error(`a host URL is an origin only: ${raw}`)
  }
  return u.origin
}
