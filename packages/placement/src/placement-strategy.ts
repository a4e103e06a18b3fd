import type { Host } from './host.js'

export interface HostLoad {
  host: Host
  /** Accounts it holds plus sign-ups in flight to it. */
  accounts: number
}

/**
 * Chooses the host for a new account, or null when none can take one. Pure and synchronous so it
 * can be swapped (region-aware, canary…) and tested deterministically.
 */
export type PlacementStrategy = (candidates: readonly HostLoad[]) => Host | null

/** Whether a host may receive new accounts at all: enabled, healthy, weighted and under its cap. */
export function isEligible(l: HostLoad): boolean {
  const h = l.host
  return (
    h.status === 'enabled' &&
    h.healthy &&
    h.weight > 0 &&
    (h.accountCap === null || l.accounts < h.accountCap)
  )
}

/**
 * Default: the eligible host with the most free room by weight (lowest accounts/weight), ties
 * to the lower id. Caps matter because relays throttle per host.
 */
export const leastLoadedStrategy: PlacementStrategy = (candidates) => {
  let best: HostLoad | null = null
  for (const c of candidates) {
    if (!isEligible(c)) continue
    if (!best) {
      best = c
      continue
    }
    // compare accounts/weight without division: a/w < b/v  ⇔  a·v < b·w
    const lhs = c.accounts * best.host.weight
    const rhs = best.accounts * c.host.weight
    if (lhs < rhs || (lhs === rhs && c.host.id < best.host.id)) best = c
  }
  return best?.host ?? null
}
