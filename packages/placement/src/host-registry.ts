import type { HealthObservation, Host, HostStatus, NewHost } from './host.js'

export interface HostPatch {
  weight?: number
  accountCap?: number | null
  internalUrl?: string | null
}

/** The fleet's PDS hosts. The app backs it with Postgres; `MemoryHostRegistry` serves tests. */
export interface HostRegistry {
  list(): Promise<Host[]>
  get(id: number): Promise<Host | null>
  getByUrl(url: string): Promise<Host | null>
  getByDid(did: string): Promise<Host | null>
  /** Throws `HostConflictError` when the URL or DID is already registered. */
  add(host: NewHost): Promise<Host>
  /** Sets the status without checking transitions (the caller does, see `canTransition`). */
  setStatus(id: number, status: HostStatus): Promise<Host | null>
  update(id: number, patch: HostPatch): Promise<Host | null>
  /** Records a check: success resets the failure count; `unhealthyAfter` failures in a row mark it unhealthy. */
  recordHealth(id: number, obs: HealthObservation, unhealthyAfter: number): Promise<void>
  /** Accounts per host id, counting sign-ups in flight so concurrent ones spread out. */
  accountCounts(): Promise<Map<number, number>>
}

export class HostConflictError extends Error {
  override name = 'HostConflictError'
}
