import type { XrpcRoute } from '@entryway/xrpc'
import type { AccountCreator } from './account-creator.js'
import type { HandleUpdater } from './handle-updater.js'
import type { HealthChecker } from './health-checker.js'
import type { PlacementRateLimits, ResolvedPlacementOptions } from './options.js'
import type { SignupReconciler } from './signup-reconciler.js'
import type { RelayCrawlers } from './relay-crawlers.js'

/** What the route files receive: the resolved options and the plugin's long-lived workers. */
export interface PlacementRouteDeps {
  o: ResolvedPlacementOptions
  creator: AccountCreator
  handles: HandleUpdater
  health: HealthChecker
  reconciler: SignupReconciler
  crawlers: RelayCrawlers
  /** Counts a sign-up that passed the checks against the service-wide limit; throws when spent. */
  admitSignup: () => Promise<void>
}

/** A route module of this plugin; its limits name windows of the `rateLimits` option. */
export type PlacementRoute = XrpcRoute<PlacementRouteDeps, keyof PlacementRateLimits>
