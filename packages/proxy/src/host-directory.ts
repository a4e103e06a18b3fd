/** Operator lifecycle of a fleet host (mirrors `pds_host.status`). */
export type FleetHostStatus = 'registered' | 'enabled' | 'draining' | 'disabled' | 'retired'

export interface FleetHost {
  /** Public URL as DID documents name it (`#atproto_pds`). */
  url: string
  /** Where the Entryway reaches it, when it differs from `url`. */
  internalUrl: string | null
  /** The PDS's service DID. */
  did: string
  status: FleetHostStatus
  healthy: boolean
}

/** The fleet's hosts. The plugin keeps a snapshot and re-reads it periodically. */
export interface HostDirectory {
  list(): Promise<FleetHost[]>
}

/** For tests and single-process setups. */
export class MemoryHostDirectory implements HostDirectory {
  constructor(private hosts: FleetHost[] = []) {}

  async list(): Promise<FleetHost[]> {
    return this.hosts.map((h) => ({ ...h }))
  }

  set(hosts: FleetHost[]): void {
    this.hosts = hosts
  }
}

/** A fleet host ready for routing: origins precomputed. */
export interface RoutableHost {
  host: FleetHost
  /** Origin of the public URL: the key DID documents are matched by. */
  publicOrigin: string
  /** Origin requests are sent to. */
  targetOrigin: string
}

/** An immutable view of the directory with O(1) lookups for the hot path. */
export class HostSnapshot {
  readonly byOrigin = new Map<string, RoutableHost>()
  readonly byDid = new Map<string, RoutableHost>()
  /** Every origin a request may be sent to (for the SSRF guard's fleet allow-list). */
  readonly targetOrigins = new Set<string>()
  /** Target origin → the host's DID: what metrics name a host by (never its internal URL). */
  readonly didByTarget = new Map<string, string>()
  readonly defaultHost: RoutableHost | null

  constructor(hosts: readonly FleetHost[], defaultHostUrl: string | null) {
    for (const host of hosts) {
      // retired hosts hold no accounts any more; routing to them could only fail or mislead
      if (host.status === 'retired') continue
      const publicOrigin = originOf(host.url)
      const targetOrigin = originOf(host.internalUrl ?? host.url)
      if (!publicOrigin || !targetOrigin) continue
      const r: RoutableHost = { host, publicOrigin, targetOrigin }
      this.byOrigin.set(publicOrigin, r)
      this.byDid.set(host.did, r)
      this.targetOrigins.add(targetOrigin)
      this.didByTarget.set(targetOrigin, host.did)
    }
    const all = [...this.byOrigin.values()]
    this.defaultHost =
      (defaultHostUrl ? (this.byOrigin.get(defaultHostUrl) ?? null) : null) ??
      all.find((r) => r.host.status === 'enabled' && r.host.healthy) ??
      all.find((r) => r.host.status === 'enabled') ??
      null
  }
}

/** A host whose accounts are served: every one in the snapshot but a disabled host. */
export function servesAccounts(r: RoutableHost): boolean {
  return r.host.status !== 'disabled'
}

/** `URL.origin`, or null for anything that is not http(s). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null
  } catch {
    return null
  }
}
