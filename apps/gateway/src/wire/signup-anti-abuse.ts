import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import {
  assertEmailNotBlocked,
  DEFAULT_DISPOSABLE_EMAIL_DOMAINS,
  parseEmailBlocklist,
  SignupGate,
  type PlacementOptions,
} from '@entryway/placement'
import { KyselyGateCodeStore } from '@entryway/placement/postgres'
import { EntrywayConfigError } from '@entryway/xrpc'
import type { ServerConfig } from '../config/config.js'
import type { GatewayContext } from '../context.js'

/**
 * Placement's sign-up checks from the configuration: the captcha gate and the block list (its
 * limits, the service-wide throttle included, are placement's own: `rateLimits`).
 */
export function signupAntiAbuse(
  ctx: GatewayContext,
): Pick<PlacementOptions, 'signupGate' | 'emailBlocklist'> {
  const { cfg } = ctx
  const c = cfg.signup.captcha
  return {
    signupGate: c
      ? new SignupGate({
          ...c,
          serviceName: cfg.service.name,
          store: new KyselyGateCodeStore(ctx.database.db),
        })
      : null,
    emailBlocklist: emailBlocklist(cfg),
  }
}

/**
 * updateEmail (session plugin) refuses a blocked address too: its route gets the check from
 * outside, as the rate limits do, so the session plugin needs no knowledge of it. Must run before
 * the session routes are registered. (requestEmailUpdate carries no address.)
 */
export function guardEmailChange(app: FastifyInstance, cfg: ServerConfig): void {
  const blocked = emailBlocklist(cfg)
  app.addHook('onRoute', (route) => {
    if (route.url !== '/xrpc/com.atproto.server.updateEmail') return
    const existing = route.preHandler
      ? Array.isArray(route.preHandler)
        ? route.preHandler
        : [route.preHandler]
      : []
    route.preHandler = [
      async (req) => {
        const body = req.body as { email?: unknown } | null
        assertEmailNotBlocked(blocked, body && typeof body === 'object' ? body.email : undefined)
      },
      ...existing,
    ]
  })
}

const lists = new WeakMap<ServerConfig, ReadonlySet<string>>()
/** The configured block list (the file's, else the built-in one), read once per configuration. */
function emailBlocklist(cfg: ServerConfig): ReadonlySet<string> {
  let l = lists.get(cfg)
  if (!l) {
    l = cfg.signup.emailBlocklistFile
      ? readBlocklist(cfg.signup.emailBlocklistFile)
      : new Set(DEFAULT_DISPOSABLE_EMAIL_DOMAINS)
    lists.set(cfg, l)
  }
  return l
}

function readBlocklist(file: string): Set<string> {
  try {
    return parseEmailBlocklist(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new EntrywayConfigError(
      `ENTRYWAY_EMAIL_BLOCKLIST_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    )
  }
}
