import type { AccountCreator } from './account-creator.js'
import type { HandleUpdater } from './handle-updater.js'
import type { HealthChecker } from './health-checker.js'
import type { ResolvedPlacementOptions } from './options.js'
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
}
