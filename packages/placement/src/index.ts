export { entrywayPlacement } from './plugin.js'
export {
  resolveOptions,
  type PlacementOptions,
  type ResolvedPlacementOptions,
  DEFAULT_HEALTH_CHECK_INTERVAL_MS,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_UNHEALTHY_AFTER_FAILURES,
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RECONCILE_STALE_AFTER_MS,
} from './options.js'
export type { PlacementAuth, SessionMinter, ExternalHandleResolver } from './deps.js'
export { canTransition, isHostStatus, newHostRow, normalizeHostUrl, hostBaseUrl, HOST_STATUSES, type Host, type HostStatus, type NewHost, type HealthObservation } from './host.js'
export { HostConflictError, type HostRegistry, type HostPatch } from './host-registry.js'
export { MemoryHostRegistry } from './memory-host-registry.js'
export { leastLoadedStrategy, isEligible, type PlacementStrategy, type HostLoad } from './placement-strategy.js'
export { HealthChecker, type HealthCheckerOptions } from './health-checker.js'
export { UndiciPdsClient, type PdsClient, type PdsTarget } from './pds-client.js'
export { UndiciPlcClient, type PlcClient } from './plc-client.js'
export { UpstreamCallError, type UpstreamFailureKind } from './upstream-call.js'
export {
  LIVE_SIGNUP_STATES,
  type SignupStore,
  type SignupRecord,
  type SignupState,
  type NewSignup,
  type SignupPatch,
  type BeginResult,
  type CompleteResult,
  type NewAccount,
} from './signup-store.js'
export type { AccountDirectory, PlacedAccount, PlacedAccountStatus, AccountPage } from './account-directory.js'
export { inviteAvailable, type InviteStore, type InviteCodeRecord, type InviteCodeUse, type NewInviteCode, type InvitePage } from './invite-store.js'
export { MemoryPlacementStore } from './memory-placement-store.js'
export { SignupReconciler, type ReconcileReport } from './signup-reconciler.js'
export { DEFAULT_RESERVED_HANDLES } from './reserved-handles.js'
export { generateInviteCode } from './invite-code.js'
export { signupRequestKey } from './request-key.js'
