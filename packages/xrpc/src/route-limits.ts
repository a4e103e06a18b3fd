import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { parseBearer } from './auth-header.js'
import { clientSubnet } from './client-subnet.js'
import { rateCounter, type RateCounter, type RateWindow } from './rate-counter.js'

/** What a route limit counts per: the client address, its /24 or /48, or the account acting. */
export type LimitPer = 'ip' | 'subnet' | 'account'

/** A limit a route module declares; the plugin's options give its window. */
export interface RouteRateLimit<Name extends string = string> {
  /** The window's key in the plugin's `rateLimits` option. Routes naming the same one share a counter. */
  name: Name
  per: LimitPer
}

/** A limit as applied to a route (its `config.routeLimits`), for whoever lists every route's limits. */
export interface AppliedRouteLimit extends RateWindow {
  /** `<plugin>:<name>`, the counter's name in the store. */
  name: string
  per: LimitPer
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The limits the route's plugin counts before anything else runs (set by `mountRoutes`). */
    routeLimits?: readonly AppliedRouteLimit[]
  }
}

/** The counting key of a request for `per`. */
export function limitKey(per: LimitPer, req: FastifyRequest): string {
  if (per === 'ip') return req.ip
  if (per === 'subnet') return clientSubnet(req.ip)
  return tokenSubject(req) ?? `ip:${req.ip}`
}

/** Turns declared limits into an `onRequest` hook counting each, and their applied form. */
export interface RouteLimiter<Name extends string> {
  hook(limits: readonly RouteRateLimit<Name>[]): onRequestHookHandler
  applied(limits: readonly RouteRateLimit<Name>[]): AppliedRouteLimit[]
}

/**
 * A plugin's route limiter: one counter per window name, made on the rate-limit store of `scope`
 * (where @fastify/rate-limit is registered), named `<prefix>:<name>`.
 */
export function routeLimiter<Name extends string>(
  scope: FastifyInstance,
  prefix: string,
  windows: Readonly<Record<Name, RateWindow>>,
): RouteLimiter<Name> {
  const counters = new Map<Name, RateCounter>()
  const counter = (name: Name) => {
    let c = counters.get(name)
    if (!c) counters.set(name, (c = rateCounter(scope, `${prefix}:${name}`, windows[name])))
    return c
  }
  return {
    hook(limits) {
      const bound = limits.map((l) => ({ counter: counter(l.name), per: l.per }))
      return async (req) => {
        for (const l of bound) await l.counter.hit(limitKey(l.per, req))
      }
    },
    applied: (limits) =>
      limits.map((l) => ({ name: `${prefix}:${l.name}`, per: l.per, ...windows[l.name] })),
  }
}

/**
 * The account a request acts for, read from its bearer token without verifying it (the handler
 * verifies): a forged subject only buys an attacker more refusals. Lower-cased, as DIDs are looked up.
 */
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
