import type * as pdsHost from './pds-host.js'
import type * as account from './account.js'
import type * as accountCreation from './account-creation.js'
import type * as refreshToken from './refresh-token.js'
import type * as appPassword from './app-password.js'
import type * as inviteCode from './invite-code.js'
import type * as emailToken from './email-token.js'
import type * as adminAudit from './admin-audit.js'
import type * as adminSession from './admin-session.js'
import type * as adminOAuthState from './admin-oauth-state.js'
import type * as oauth from './oauth.js'
import type * as signupGateCode from './signup-gate-code.js'
import type * as outbox from './outbox.js'
import type * as workerLease from './worker-lease.js'
import type * as accountMove from './account-move.js'

export type DatabaseSchema = pdsHost.PartialDB &
  account.PartialDB &
  accountCreation.PartialDB &
  refreshToken.PartialDB &
  appPassword.PartialDB &
  inviteCode.PartialDB &
  emailToken.PartialDB &
  adminAudit.PartialDB &
  adminSession.PartialDB &
  adminOAuthState.PartialDB &
  oauth.PartialDB &
  signupGateCode.PartialDB &
  outbox.PartialDB &
  workerLease.PartialDB &
  accountMove.PartialDB

export type { PdsHost, PdsHostStatus } from './pds-host.js'
export type { Account, AccountStatus } from './account.js'
export type { AccountCreation, AccountCreationState } from './account-creation.js'
export type { RefreshToken } from './refresh-token.js'
export type { AppPassword } from './app-password.js'
export type { InviteCode, InviteCodeUse } from './invite-code.js'
export type { EmailToken, EmailTokenPurpose } from './email-token.js'
export type { AccountMove, AccountMoveState } from './account-move.js'
export type { AdminAudit } from './admin-audit.js'
export type { AdminSession } from './admin-session.js'
export type { SignupGateCode } from './signup-gate-code.js'
export type { AdminOAuthState } from './admin-oauth-state.js'
export type { OutboxJob } from './outbox.js'
export type { WorkerLease } from './worker-lease.js'
export type {
  OAuthRequest,
  OAuthDevice,
  OAuthDeviceAccount,
  OAuthAuthorizedClient,
  OAuthToken,
  OAuthUsedRefreshToken,
  OAuthLexicon,
  OAuthReplay,
  OAuthScopeRef,
} from './oauth.js'
