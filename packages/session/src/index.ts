export {
  AuthScope,
  ACCESS_FULL,
  ACCESS_PRIVILEGED,
  ACCESS_STANDARD,
  isAuthScope,
} from './scopes.js'
export {
  JwtKeyring,
  publicHexToDidKey,
  DEFAULT_MAX_TOKEN_LIFETIME_SEC,
  type PreviousKey,
  type KeyringOptions,
} from './jwt-keyring.js'
export {
  createAccessToken,
  createRefreshToken,
  verifyAccessToken,
  verifyRefreshToken,
  newRefreshJti,
  DEFAULT_ACCESS_TTL_SEC,
  DEFAULT_REFRESH_TTL_SEC,
  CLOCK_TOLERANCE_SEC,
  type AccessClaims,
  type RefreshClaims,
  type MintAccessOptions,
  type MintRefreshOptions,
  type VerifyOptions,
} from './tokens.js'
export {
  createSessionIssuer,
  type SessionIssuer,
  type SessionIssuerOptions,
  type IssueSessionInput,
  type SessionTokens,
} from './session-issuer.js'
export type { RefreshTokenStore, RefreshTokenRecord } from './refresh-token-store.js'
export {
  getPdsEndpoint,
  type DidDocument,
  type DidDocResolver,
  type ResolveOptions,
} from '@entryway/xrpc'
export {
  AuthVerifier,
  type AuthVerifierOptions,
  type AccessAuth,
  type ServiceAuth,
  type ModeratorAuth,
} from './auth-verifier.js'
export type { AccountInvites, AccountInviteStanding, AdminInviteCode } from './account-invites.js'
export { PROTECTED_METHODS } from './protected-methods.js'
export {
  hashPassword,
  verifyPassword,
  hashAppPassword,
  NEW_PASSWORD_MAX_LENGTH,
  OLD_PASSWORD_MAX_LENGTH,
} from './password.js'
export { entrywaySession, SESSION_NSIDS, SESSION_ROUTES } from './plugin.js'
export type { SessionDeps, SessionRoute } from './deps.js'
export {
  resolveOptions,
  DEFAULT_REFRESH_GRACE_MS,
  DEFAULT_PASSWORD_CONCURRENCY,
  DEFAULT_PASSWORD_QUEUE_MAX,
  DEFAULT_LOGIN_PER_ACCOUNT,
  DEFAULT_LOGIN_PER_ACCOUNT_DAILY,
  DEFAULT_LOGIN_PER_IP,
  DEFAULT_EMAIL_PER_ACCOUNT,
  DEFAULT_EMAIL_PER_ACCOUNT_DAILY,
  DEFAULT_SESSION_RATE_LIMITS,
  type SessionPluginOptions,
  type ResolvedSessionOptions,
  type SessionRateLimits,
} from './options.js'
export {
  formatAccountStatus,
  type AccountSearchPage,
  type AccountStore,
  type SessionAccount,
  type AccountHost,
  type AccountStatus,
} from './account-store.js'
export type { AppPasswordStore, AppPasswordRecord } from './app-password-store.js'
export type { EmailTokenStore, EmailTokenRecord, EmailTokenPurpose } from './email-token-store.js'
export type { SessionRefreshStore, RotateRefreshInput } from './refresh-token-store.js'
export { MemoryAccountStore } from './stores/memory-account-store.js'
export { MemoryAppPasswordStore } from './stores/memory-app-password-store.js'
export { MemoryEmailTokenStore } from './stores/memory-email-token-store.js'
export { MemoryRefreshTokenStore } from './stores/memory-refresh-token-store.js'
export {
  MemoryMailer,
  SmtpMailer,
  type Mailer,
  type MailMessage,
  type SmtpMailerOptions,
} from './mailer.js'
export {
  renderTokenEmail,
  renderModeratorEmail,
  MailTemplates,
  BUILT_IN_TEMPLATES,
  EMAIL_KINDS,
  MAIL_PARTS,
  MAIL_PLACEHOLDERS,
  unknownPlaceholders,
  type EmailKind,
  type MailPart,
  type MailPlaceholder,
  type MailTemplate,
  type MailTemplateOverrides,
  type MailVars,
} from './email-templates.js'
export { readMailTemplateDir, type MailTemplateDir } from './email-template-dir.js'
export {
  TokenEmails,
  EmailNotConfiguredError,
  TOKEN_EMAIL_JOB,
  tokenEmailsOf,
  type TokenEmail,
  type TokenEmailsOptions,
} from './token-emails.js'
export {
  generateEmailToken,
  generateAppPassword,
  DEFAULT_EMAIL_TOKEN_TTL_MS,
} from './email-token.js'
export { PasswordGate } from './password-gate.js'
export {
  UndiciPdsAdminClient,
  DEFAULT_PDS_ADMIN_TIMEOUT_MS,
  type PdsAdminCall,
  type PdsAdminClient,
  type UndiciPdsAdminClientOptions,
} from './pds-admin-client.js'
export { DidPlcOperator, type PlcOperator, type PlcUpdate } from './plc-operator.js'
export {
  MemoryOutboxStore,
  type OutboxStore,
  type ClaimedJob,
  type NewJob,
} from './outbox/outbox-store.js'
export {
  OutboxWorker,
  type OutboxWorkerOptions,
  type OutboxHandler,
  type DurableJobs,
  DEFAULT_OUTBOX_POLL_MS,
  DEFAULT_OUTBOX_LEASE_MS,
  DEFAULT_OUTBOX_BACKOFF_MS,
  DEFAULT_OUTBOX_MAX_BACKOFF_MS,
} from './outbox/outbox-worker.js'
export { PLC_TOMBSTONE_JOB, ACCOUNT_DELETE_JOB, sessionJobHandlers } from './outbox/jobs.js'
export { MAX_DELETE_AFTER_MS } from './scheduled-deletion.js'
export {
  createLimiters,
  type SessionLimiterWindows,
  rateCounter,
  type RateCounter,
  type RateWindow,
  type SessionLimiters,
} from './rate-limits.js'
export { normalizeIdentifier } from './identifier.js'
export { authenticate, type LoginDeps, type LoginResult } from './login.js'
