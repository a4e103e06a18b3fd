import type { PlacementRateLimits } from '@entryway/placement'
import type { SessionRateLimits } from '@entryway/session'
import type { RateLimitConfig, RateLimitName } from '../config/rate-limits.js'

/**
 * The limit on every route the Entryway serves itself, per IP. Each plugin counts its routes' own
 * limits (the route modules declare them); the app only gives them their windows, below.
 */
export const GLOBAL_LIMIT_NAME = 'GLOBAL_IP' satisfies RateLimitName

/** The session plugin's windows from the configured limits. */
export function sessionRateLimits(l: RateLimitConfig): SessionRateLimits {
  return {
    loginPerAccount: l.LOGIN_ACCOUNT,
    loginPerAccountDaily: l.LOGIN_ACCOUNT_DAILY,
    loginPerIp: l.LOGIN_IP,
    emailPerAccount: l.EMAIL_ACCOUNT,
    emailPerAccountDaily: l.EMAIL_ACCOUNT_DAILY,
    emailRequestPerIp: l.EMAIL_REQUEST_IP,
    passwordResetRequestPerIp: l.PASSWORD_RESET_REQUEST_IP,
    passwordResetRequestPerIpDaily: l.PASSWORD_RESET_REQUEST_IP_DAILY,
    passwordResetPerIp: l.PASSWORD_RESET_IP,
    deleteAccountPerIp: l.DELETE_ACCOUNT_IP,
  }
}

/** The placement plugin's windows from the configured limits. */
export function placementRateLimits(l: RateLimitConfig): PlacementRateLimits {
  return {
    createAccountPerIp: l.CREATE_ACCOUNT_IP,
    createAccountPerIpHourly: l.CREATE_ACCOUNT_IP_HOURLY,
    createAccountPerSubnet: l.CREATE_ACCOUNT_SUBNET,
    signupsPerService: l.CREATE_ACCOUNT_SERVICE,
    signupGatePerIp: l.SIGNUP_GATE_IP,
    updateHandlePerAccount: l.UPDATE_HANDLE_ACCOUNT,
    updateHandlePerIpDaily: l.UPDATE_HANDLE_IP_DAILY,
  }
}

const x = (nsid: string) => `/xrpc/${nsid}`

/**
 * Limits checked inside handlers, where the account is known (the session limiters the app
 * builds and shares with OAuth, placement's service-wide sign-up count): the abuse suite and the
 * README count them with the route limits.
 */
export const HANDLER_LIMITS: ReadonlyMap<string, readonly RateLimitName[]> = new Map<
  string,
  RateLimitName[]
>([
  [x('com.atproto.server.createSession'), ['LOGIN_IP', 'LOGIN_ACCOUNT', 'LOGIN_ACCOUNT_DAILY']],
  [x('com.atproto.server.createAccount'), ['CREATE_ACCOUNT_SERVICE']],
  [x('com.atproto.server.deleteAccount'), ['LOGIN_IP', 'LOGIN_ACCOUNT', 'LOGIN_ACCOUNT_DAILY']],
  ['/@atproto/oauth-provider/*', ['LOGIN_IP', 'LOGIN_ACCOUNT', 'LOGIN_ACCOUNT_DAILY']],
  [x('com.atproto.server.requestPasswordReset'), ['EMAIL_ACCOUNT', 'EMAIL_ACCOUNT_DAILY']],
  [x('com.atproto.server.requestEmailConfirmation'), ['EMAIL_ACCOUNT', 'EMAIL_ACCOUNT_DAILY']],
  [x('com.atproto.server.requestEmailUpdate'), ['EMAIL_ACCOUNT', 'EMAIL_ACCOUNT_DAILY']],
  [x('com.atproto.server.requestAccountDelete'), ['EMAIL_ACCOUNT', 'EMAIL_ACCOUNT_DAILY']],
])

/**
 * Routes with no Entryway limit, each for a reason (reviewed): the abuse suite fails on any other
 * route that has none.
 */
export const RATE_LIMIT_EXEMPT: ReadonlyMap<string, string> = new Map([
  [
    '/xrpc/*',
    "the proxy: the account's PDS applies its own limits (global 3000 / 5 min per IP, repo writes, getRepo) to the client address the Entryway passes in x-forwarded-for",
  ],
  ['/xrpc/_health', 'load-balancer probe: no input, no credential, one trivial query'],
  ['/xrpc/_ready', 'load-balancer probe: no input, no credential'],
  [
    '/.well-known/atproto-did',
    'handle resolution, called at volume from the few addresses of app views and PDSes; not XRPC, so unlimited at the reference PDS too; one indexed lookup',
  ],
])
