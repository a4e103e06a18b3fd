import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify'
import type { RouteLimiter, RouteRateLimit } from './route-limits.js'

/** A route module of a plugin: how it is mounted, and the rate limits it declares. */
export interface RouteModule<Deps, Limit extends string = string> {
  /** Counted by the plugin before anything else on the module's routes, on top of the app's limits. */
  readonly rateLimits?: readonly RouteRateLimit<Limit>[]
  register(app: FastifyInstance, deps: Deps): void | Promise<void>
}

/**
 * One XRPC method: `src/routes/<nsid>.ts` exports it. Plugins export their routes, so the NSIDs
 * the Entryway answers are known from the modules themselves, never from a hand-kept list.
 */
export interface XrpcRoute<Deps, Limit extends string = string> extends RouteModule<Deps, Limit> {
  /** The method's NSID; `namespace.*` for a module answering a whole namespace. */
  readonly nsid: string
  /** Mounts the method at `xrpcPath(nsid)`. */
  register(app: FastifyInstance, deps: Deps): void
}

/** `/xrpc/<nsid>`, where a method is served. */
export const xrpcPath = (nsid: string): string => `/xrpc/${nsid}`

/** The NSIDs of `routes`. */
export const nsidsOf = (routes: readonly { nsid: string }[]): string[] => routes.map((r) => r.nsid)

/**
 * Mounts route modules on `app`. A module declaring limits is mounted in a scope of its own whose
 * routes count them first (no URL is matched); `limiter: null` counts none.
 */
export async function mountRoutes<Deps, Limit extends string>(
  app: FastifyInstance,
  modules: readonly RouteModule<Deps, Limit>[],
  deps: Deps,
  limiter: RouteLimiter<Limit> | null,
): Promise<void> {
  for (const m of modules) {
    if (!limiter || !m.rateLimits?.length) {
      await m.register(app, deps)
      continue
    }
    const hook = limiter.hook(m.rateLimits)
    const applied = limiter.applied(m.rateLimits)
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        prependOnRequest(route, hook)
        route.config = { ...route.config, routeLimits: applied }
      })
      await m.register(scope, deps)
    })
  }
}

/** Puts `hook` first among a route's own `onRequest` hooks. */
export function prependOnRequest(route: RouteOptions, hook: onRequestHookHandler): void {
  const existing = route.onRequest
    ? Array.isArray(route.onRequest)
      ? route.onRequest
      : [route.onRequest]
    : []
  route.onRequest = [hook, ...existing]
}
