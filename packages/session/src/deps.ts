import type { XrpcRoute } from '@entryway/xrpc'
import type { ResolvedSessionOptions, SessionRateLimits } from './options.js'
import type { PasswordGate } from './password-gate.js'
import type { SessionLimiters } from './rate-limits.js'
import type { TokenEmails } from './token-emails.js'

/** What every route handler receives: the resolved options plus the shared gate, limiters and mail. */
export interface SessionDeps extends ResolvedSessionOptions {
  gate: PasswordGate
  limits: SessionLimiters
  tokenEmails: TokenEmails
}

/** A route module of this plugin; its limits name windows of the `rateLimits` option. */
export type SessionRoute = XrpcRoute<SessionDeps, keyof SessionRateLimits>
