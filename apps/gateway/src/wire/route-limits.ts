import type { FastifyRequest } from 'fastify'
import { parseBearer } from '@entryway/xrpc'
import type { RateLimitName } from '../config/rate-limits.js'
import { clientSubnet } from './client-subnet.js'

/** A route limit: which counter, and what it counts per. */
export interface RouteLimit {
  name: RateLimitName
  key: (req: FastifyRequest) => string
}

const byIp = (req: FastifyRequest) => req.ip
/**
 * The account a request acts for, read from its bearer token without verifying it (the handler
 * verifies): a forged subject only buys an attacker more 401s. Falls back to the address.
 */
const byAccount = (req: FastifyRequest) => tokenSubject(req) ?? `ip:${req.ip}`

const ip = (name: RateLimitName): RouteLimit => ({ name, key: byIp })
const subnet = (name: RateLimitName): RouteLimit => ({ name, key: (req) => clientSubnet(req.ip) })
const x = (nsid: string) => `/xrpc/${nsid}`

/** Limits of particular routes, on top of GLOBAL_IP (the reference PDS's per-route `rateLimit`s). */
export const ROUTE_LIMITS: ReadonlyMap<string, readonly RouteLimit[]> = new Map<
  string,
  RouteLimit[]
>([
  [
    x('com.atproto.server.createAccount'),
    [ip('CREATE_ACCOUNT_IP'), ip('CREATE_ACCOUNT_IP_HOURLY'), subnet('CREATE_ACCOUNT_SUBNET')],
  ],
  [x('com.atproto.server.deleteAccount'), [ip('DELETE_ACCOUNT_IP')]],
  ['/gate/signup', [ip('SIGNUP_GATE_IP')]],
  [x('com.atproto.server.resetPassword'), [ip('PASSWORD_RESET_IP')]],
  [
    x('com.atproto.server.requestPasswordReset'),
    [ip('PASSWORD_RESET_REQUEST_IP'), ip('PASSWORD_RESET_REQUEST_IP_DAILY')],
  ],
  [x('com.atproto.server.requestEmailConfirmation'), [ip('EMAIL_REQUEST_IP')]],
  [x('com.atproto.server.requestEmailUpdate'), [ip('EMAIL_REQUEST_IP')]],
  [x('com.atproto.server.requestAccountDelete'), [ip('EMAIL_REQUEST_IP')]],
  [
    x('com.atproto.identity.updateHandle'),
    [{ name: 'UPDATE_HANDLE_ACCOUNT', key: byAccount }, ip('UPDATE_HANDLE_IP_DAILY')],
  ],
])

export const GLOBAL_LIMIT: RouteLimit = ip('GLOBAL_IP')

/**
 * Limits checked inside handlers, where the account is known (session limiters): the abuse suite
 * and the README count them with the route limits.
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

function tokenSubject(req: FastifyRequest): string | null {
  const token = parseBearer(req.headers.authorization)
  const body = token?.split('.')[1]
  if (!body) return null
  try {
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
      sub?: unknown
      iss?: unknown
    }
    // session tokens carry the account in `sub`; PDS service tokens in `iss`
    const who = typeof p.sub === 'string' ? p.sub : typeof p.iss === 'string' ? p.iss : null
    return who && who.startsWith('did:') ? who.toLowerCase() : null
  } catch {
    return null
  }
}
