import {
  newHostRow,
  type HealthObservation,
  type Host,
  type HostStatus,
  type NewHost,
} from './host.js'
import { HostConflictError, type HostPatch, type HostRegistry } from './host-registry.js'

/** In-memory registry for tests; account counts come from whoever holds the accounts. */
export class MemoryHostRegistry implements HostRegistry {
  private readonly hosts = new Map<number, Host>()
  private nextId = 1

  constructor(private readonly counts: () => Map<number, number> = () => new Map()) {}

  async list(): Promise<Host[]> {
    return [...this.hosts.values()].sort((a, b) => a.id - b.id).map((h) => ({ ...h }))
  }

  async get(id: number): Promise<Host | null> {
    const h = this.hosts.get(id)
    return h ? { ...h } : null
  }

  async getByUrl(url: string): Promise<Host | null> {
    return (await this.list()).find((h) => h.url === url) ?? null
  }

  async getByDid(did: string): Promise<Host | null> {
    return (await this.list()).find((h) => h.did === did) ?? null
  }

  async add(n: NewHost): Promise<Host> {
    for (const h of this.hosts.values()) {
      if (h.url === n.url || h.did === n.did)
        throw new HostConflictError(`host already registered: ${n.url}`)
    }
    const now = new Date().toISOString()
    const host: Host = {
      id: this.nextId++,
      ...newHostRow(n, now),
      lastCheckAt: null,
      lastError: null,
      version: null,
    }
    this.hosts.set(host.id, host)
    return { ...host }
  }

  async setStatus(id: number, status: HostStatus): Promise<Host | null> {
    return this.patch(id, { status })
  }

  async update(id: number, patch: HostPatch): Promise<Host | null> {
    const clean: Partial<Host> = {}
    if (patch.weight !== undefined) clean.weight = patch.weight
    if (patch.accountCap !== undefined) clean.accountCap = patch.accountCap
    if (patch.internalUrl !== undefined) clean.internalUrl = patch.internalUrl
    return this.patch(id, clean)
  }

  async recordHealth(id: number, obs: HealthObservation, unhealthyAfter: number): Promise<void> {
    const h = this.hosts.get(id)
    if (!h) return
    const failures = obs.ok ? 0 : h.consecutiveFailures + 1
    this.patch(id, {
      consecutiveFailures: failures,
      healthy: obs.ok ? true : failures < unhealthyAfter && h.healthy,
      lastCheckAt: obs.at,
      lastError: obs.ok ? null : (obs.error ?? 'unknown'),
      ...(obs.version ? { version: obs.version } : {}),
    })
  }

  async accountCounts(): Promise<Map<number, number>> {
    return new Map(this.counts())
  }

  private patch(id: number, p: Partial<Host>): Host | null {
    const h = this.hosts.get(id)
    if (!h) return null
    Object.assign(h, p, { updatedAt: new Date().toISOString() })
    return { ...h }
  }
}
