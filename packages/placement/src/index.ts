export { entrywayPlacement, PLACEMENT_NSIDS, PLACEMENT_ROUTES } from './plugin.js'
export type { PlacementRoute, PlacementRouteDeps } from './route-deps.js'
export {
  resolveOptions,
  type PlacementOptions,
  type ResolvedPlacementOptions,
  DEFAULT_HEALTH_CHECK_INTERVAL_MS,
  DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
  DEFAULT_UNHEALTHY_AFTER_FAILURES,
  DEFAULT_RECONCILE_INTERVAL_MS,
  DEFAULT_RECONCILE_STALE_AFTER_MS,
  DEFAULT_PLACEMENT_RATE_LIMITS,
  type PlacementRateLimits,
} from './options.js'
export type { PlacementAuth, SessionMinter, ExternalHandleResolver } from './deps.js'
export {
  canTransition,
  isHostStatus,
  newHostRow,
  normalizeHostUrl,
  hostBaseUrl,
  HOST_STATUSES,
  type Host,
  type HostStatus,
  type NewHost,
  type HealthObservation,
} from './host.js'
export { HostConflictError, type HostRegistry, type HostPatch } from './host-registry.js'
export { MemoryHostRegistry } from './memory-host-registry.js'
export {
  leastLoadedStrategy,
  isEligible,
  type PlacementStrategy,
  type HostLoad,
} from './placement-strategy.js'
export { HealthChecker, HEALTH_LEASE, type HealthCheckerOptions } from './health-checker.js'
export { MemoryWorkerLeases, LEASE_PERIODS, type WorkerLeases } from './worker-lease.js'
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
export type {
  AccountDirectory,
  PlacedAccount,
  PlacedAccountStatus,
  AccountPage,
} from './account-directory.js'
export {
  inviteAvailable,
  type InviteStore,
  type InviteCodeRecord,
  type InviteCodeUse,
  type NewInviteCode,
  type InvitePage,
} from './invite-store.js'
export { MemoryPlacementStore } from './memory-placement-store.js'
export { SignupReconciler, RECONCILE_LEASE, type ReconcileReport } from './signup-reconciler.js'
export { DEFAULT_RESERVED_HANDLES } from './reserved-handles.js'
export { generateInviteCode } from './invite-code.js'
export { signupRequestKey } from './request-key.js'
export {
  SignupGate,
  DEFAULT_GATE_CODE_TTL_MS,
  DEFAULT_GATE_REDIRECTS,
  type SignupGateOptions,
} from './signup-gate.js'
export { CAPTCHA_PROVIDERS, isCaptchaProvider, type CaptchaProvider } from './captcha-provider.js'
export { MemoryGateCodeStore, type GateCodeStore, type GateCodeRecord } from './gate-code-store.js'
export {
  DEFAULT_DISPOSABLE_EMAIL_DOMAINS,
  parseEmailBlocklist,
  assertEmailNotBlocked,
} from './email-blocklist.js'
export { GATE_SIGNUP_PATH } from './routes/gate-signup.js'
export { accountMoves, MOVE_NSIDS, type AccountMovesOptions } from './moves-plugin.js'
export {
  AccountMover,
  MoveRefusedError,
  SimulatedCrash,
  type MoveTokens,
  type MoveCrashPoint,
  type AccountMoverOptions,
} from './account-mover.js'
export { MoveWorker, type MoveWorkerOptions } from './move-worker.js'
export { MoveGate, type MoveGateOptions } from './move-gate.js'
export {
  MOVE_STEPS,
  LIVE_MOVE_STATES,
  POINT_OF_NO_RETURN,
  type MoveJob,
  type MoveStep,
  type MoveState,
  type NewMoveJob,
  type MoveJobPatch,
} from './move-job.js'
export { MoveConflictError, type MoveJobStore, type MoveGateEntry } from './move-job-store.js'
export {
  UndiciMovePdsClient,
  type MovePdsClient,
  type PdsSubjectStatus,
} from './move-pds-client.js'
export { UndiciMovePlc, type MovePlc, type PlcDocumentState } from './move-plc.js'
export { repoInventory, inventoryDifferences, type RepoInventory } from './repo-inventory.js'
export {
  MOVE_ACCOUNT,
  EVACUATE_HOST,
  GET_MOVE,
  GET_MOVES,
} from './routes/com.entryway.admin.moves.js'
export { inviteView } from './routes/invite-view.js'
