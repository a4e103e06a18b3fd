import t from 'tap'
import { readFileSync } from 'node:fs'
import type { RouteOptions } from 'fastify'
import { RATE_LIMITS, resolveRateLimits, parseRateWindow } from '../../src/config/rate-limits.js'
import { HANDLER_LIMITS, RATE_LIMIT_EXEMPT } from '../../src/wire/route-limits.js'
import { DB_TARGET } from './helpers.js'
import { envToCfg, readEnv } from '../../src/index.js'
import { buildWholeGateway } from '../in-process-gateway.js'

// The abuse suite's gatekeeper: every route of a real gateway (every plugin mounted, the admin
// portal included) has a rate limit, or a reviewed exemption with its reason. A new route gets
// GLOBAL_IP by itself; these tests also hold the routes the reference PDS limits to at least its
// limits, and the README table to the one list of limits.

const MIN = 60_000
const DAY = 24 * 60 * MIN
/** The reference PDS's limits (packages/pds/src/api/com/atproto/**, `rateLimit`), per route. */
const REFERENCE: Array<{ url: string; points: number; durationMs: number }> = [
  { url: '/xrpc/com.atproto.server.createSession', points: 30, durationMs: 5 * MIN },
  { url: '/xrpc/com.atproto.server.createSession', points: 300, durationMs: DAY },
  { url: '/xrpc/com.atproto.server.createAccount', points: 100, durationMs: 5 * MIN },
  { url: '/xrpc/com.atproto.server.deleteAccount', points: 50, durationMs: 5 * MIN },
  { url: '/xrpc/com.atproto.server.resetPassword', points: 50, durationMs: 5 * MIN },
  { url: '/xrpc/com.atproto.server.requestPasswordReset', points: 15, durationMs: 60 * MIN },
  { url: '/xrpc/com.atproto.server.requestPasswordReset', points: 50, durationMs: DAY },
  { url: '/xrpc/com.atproto.server.requestEmailConfirmation', points: 5, durationMs: 60 * MIN },
  { url: '/xrpc/com.atproto.server.requestEmailConfirmation', points: 15, durationMs: DAY },
  { url: '/xrpc/com.atproto.server.requestEmailUpdate', points: 5, durationMs: 60 * MIN },
  { url: '/xrpc/com.atproto.server.requestEmailUpdate', points: 15, durationMs: DAY },
  { url: '/xrpc/com.atproto.server.requestAccountDelete', points: 5, durationMs: 60 * MIN },
  { url: '/xrpc/com.atproto.server.requestAccountDelete', points: 15, durationMs: DAY },
  { url: '/xrpc/com.atproto.identity.updateHandle', points: 10, durationMs: 5 * MIN },
  { url: '/xrpc/com.atproto.identity.updateHandle', points: 50, durationMs: DAY },
]
/** The reference's global limit, on every XRPC route it serves. */
const REFERENCE_GLOBAL = { points: 3000, durationMs: 5 * MIN }

t.test('every route of the gateway has a rate limit or a reviewed exemption', async (t) => {
  const database = await DB_TARGET!.open()
  t.teardown(() => database.close())
  const seen: string[] = []
  const collect = (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    seen.push(`${methods.join(',')} ${route.url}`)
  }
  const gw = await buildWholeGateway(t, database, collect)

  const recorded = gw.ctx.rateLimits.routes
  t.ok(seen.length > 60, `${seen.length} routes registered`)
  const missing = seen.filter((r) => !recorded.has(r))
  t.same(missing, [], 'every route was seen by the limiter (none registered before it)')
  const unlimited = [...recorded].filter(([, rec]) => 'limits' in rec && rec.limits.length === 0)
  t.same(unlimited, [], 'no route without a limit')
  for (const [route, rec] of recorded) {
    if ('exempt' in rec) t.ok(rec.exempt.length > 20, `${route} exempt: ${rec.exempt}`)
  }
  const exemptUrls = new Set(
    [...recorded].filter(([, rec]) => 'exempt' in rec).map(([r]) => r.split(' ')[1]),
  )
  t.same(
    [...exemptUrls].sort(),
    [...RATE_LIMIT_EXEMPT.keys()].sort(),
    'exactly the reviewed exemptions',
  )

  // each route the reference limits has, at the gateway, a limit at least as tight
  const limits = gw.ctx.cfg.rateLimits
  const global = limits.GLOBAL_IP
  t.ok(
    global.points <= REFERENCE_GLOBAL.points && global.durationMs >= REFERENCE_GLOBAL.durationMs,
    'GLOBAL_IP is at least the reference global limit',
  )
  for (const ref of REFERENCE) {
    // what the route's plugin applied to it (its route module's limits), and the handler's own
    const applied = [...recorded]
      .filter(([r]) => r.endsWith(` ${ref.url}`))
      .flatMap(([, rec]) => ('limits' in rec ? rec.limits : []))
    const windows = [
      ...applied,
      ...(HANDLER_LIMITS.get(ref.url) ?? []).map((n) => ({ name: n, ...limits[n] })),
    ]
    const tight = windows.some((w) => w.points <= ref.points && w.durationMs >= ref.durationMs)
    t.ok(
      tight,
      `${ref.url}: ${ref.points} / ${ref.durationMs / MIN} min or tighter (${windows.map((w) => w.name).join(', ')})`,
    )
    t.ok(
      seen.some((r) => r.endsWith(` ${ref.url}`)),
      `${ref.url} is served`,
    )
  }
})

t.test('limits are set as ENTRYWAY_RATE_LIMIT_<NAME>=<points>/<duration>', async (t) => {
  t.same(parseRateWindow('X', '30/5m'), { points: 30, durationMs: 5 * MIN })
  t.same(parseRateWindow('X', ' 300 / 1d '), { points: 300, durationMs: DAY })
  t.same(parseRateWindow('X', '7/500ms'), { points: 7, durationMs: 500 })
  for (const bad of ['30', '0/5m', '30/0m', '30/5', '-1/5m', '30/5w', 'x/5m']) {
    t.throws(() => parseRateWindow('LOGIN_IP', bad), /ENTRYWAY_RATE_LIMIT_LOGIN_IP must be/, bad)
  }
  const cfg = envToCfg(
    readEnv({ ENTRYWAY_RATE_LIMIT_LOGIN_ACCOUNT: '5/1m', ENTRYWAY_RATE_LIMIT_GLOBAL_IP: '100/1s' }),
  )
  t.same(cfg.rateLimits.LOGIN_ACCOUNT, { points: 5, durationMs: MIN })
  t.same(cfg.rateLimits.GLOBAL_IP, { points: 100, durationMs: 1000 })
  t.same(
    cfg.rateLimits.DELETE_ACCOUNT_IP,
    { points: 50, durationMs: 5 * MIN },
    'the rest keep their defaults',
  )
  t.throws(
    () => resolveRateLimits({ LOGIN_ACOUNT: '5/1m' }),
    /ENTRYWAY_RATE_LIMIT_LOGIN_ACOUNT is not a rate limit/,
    'a typo stops the start',
  )
})

t.test('the README table lists every limit with its default', async (t) => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
  for (const l of RATE_LIMITS) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${l.name}\``))
    t.ok(row, `${l.name} has a row`)
    t.ok(
      row?.includes(`\`${formatWindow(l.default)}\``),
      `${l.name} shows ${formatWindow(l.default)}`,
    )
  }
})

function formatWindow(w: { points: number; durationMs: number }): string {
  const units: Array<[string, number]> = [
    ['d', DAY],
    ['h', 60 * MIN],
    ['m', MIN],
    ['s', 1000],
  ]
  for (const [u, ms] of units)
    if (w.durationMs % ms === 0) return `${w.points}/${w.durationMs / ms}${u}`
  return `${w.points}/${w.durationMs}ms`
}
