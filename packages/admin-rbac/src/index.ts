export { entrywayAdminRbac } from './plugin.js'
export {
  resolveOptions,
  AdminRbacOptionsError,
  DEFAULT_SESSION_TTL_MS,
  DEFAULT_SESSION_CLEANUP_INTERVAL_MS,
  DEFAULT_RBAC_POLL_INTERVAL_MS,
  DEFAULT_LOGIN_PER_MINUTE,
  DEFAULT_ACTIONS_PER_MINUTE,
  DEFAULT_PREFIX,
  SESSION_COOKIE,
  type AdminRbacOptions,
  type ResolvedAdminRbacOptions,
  type AdminRateLimits,
} from './options.js'
export {
  parseRbacPolicy,
  permissionsFor,
  isEndpointPattern,
  endpointMatches,
  Permissions,
  RbacConfigError,
  type RbacPolicy,
  type RbacRole,
  type ActionHost,
} from './rbac-policy.js'
export {
  FileRbacSource,
  StaticRbacSource,
  type RbacSource,
  type FileRbacSourceOptions,
} from './rbac-source.js'
export {
  GENESIS_HASH,
  MIN_AUDIT_KEY_BYTES,
  auditHash,
  signAuditCheckpoint,
  auditCheckpointValid,
  canonicalAuditContent,
  verifyAuditChain,
  matchesAuditFilter,
  auditPageOf,
  MemoryAuditLog,
  auditCsvHeader,
  auditCsvLine,
  auditJsonLine,
  type AuditLog,
  type AuditSeal,
  type AuditCheckpoint,
  type AuditInput,
  type AuditRow,
  type AuditFilter,
  type AuditPage,
  type AuditPageQuery,
  type ChainVerdict,
} from './audit.js'
export {
  AuditTrail,
  MemoryAuditCheckpoints,
  DEFAULT_ANONYMOUS_AUDIT_WINDOW_MS,
  type AuditCheckpointStore,
  type AuditTrailOptions,
} from './audit-trail.js'
export { FileAuditCheckpoints, latestCheckpointIn } from './file-audit-checkpoints.js'
export {
  MemoryAdminSessionStore,
  type AdminSession,
  type AdminSessionStore,
} from './session-store.js'
export {
  MemoryFleetDirectory,
  accountPage,
  type FleetDirectory,
  type FleetHost,
  type FleetHostSummary,
  type FleetAccount,
  type FleetAccountPage,
  type FleetAccountQuery,
} from './fleet-directory.js'
export {
  UndiciPdsAdminXrpc,
  basicAdminHeader,
  queryString,
  type PdsAdminXrpc,
  type EntrywayXrpc,
  type XrpcCall,
  type XrpcAnswer,
} from './upstream.js'
export { AdminLoginError, type AdminLogin } from './admin-login.js'
export { OAuthAdminLogin, OAUTH_STATE_TTL_MS, type OAuthAdminLoginOptions } from './oauth-login.js'
export { ADMIN_ACTIONS, type AdminAction } from './actions.js'
export { READ_AUDIT } from './routes/pages.js'
export {
  MemoryAccountSessions,
  REVOKE_ACCOUNT_SESSION,
  REVOKE_ACCOUNT_SESSIONS,
  type AccountSession,
  type AccountSessionKind,
  type AccountSessionPage,
  type AccountSessions,
} from './account-sessions.js'
