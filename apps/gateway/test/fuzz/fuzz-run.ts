import fc from 'fast-check'
import type { FuzzTarget } from './fuzz-target.js'
import { requestArb, type FuzzRequest } from './route-requests.js'

// The property, for every request the arbitraries make: never a 5xx (501 is a method not served
// here), never a hang, never a crash; an error is an XRPC body (OAuth error body on OAuth paths,
// an HTML page on the admin portal's pages); a refused request writes no row; no error-level log.

/** Longest a single request may take before it counts as a hang. */
export const REQUEST_TIMEOUT_MS = 10_000
/** Credentials and seeded accounts are put back this often (the fuzz may revoke or delete them). */
const RESTORE_EVERY = 50
// admin_audit: refusals are audited on purpose; worker_lease: the background health and reconcile
// rounds take their leases while the fuzz runs, whatever the request
const WRITES_ON_REFUSAL_ALLOWED = new Set(['admin_audit', 'worker_lease'])

export interface FuzzStats {
  requests: number
  byRoute: Map<string, Map<number, number>>
}

export interface FuzzRunOptions {
  seed: number
  numRuns: number
  /** Stop (without failing) after this long. */
  timeLimitMs?: number
  /** Record problems (one example per route and kind) instead of stopping at the first. */
  survey?: Map<string, string>
}

interface Answer {
  status: number
  contentType: string
  body: string
  /** Written by the (stub) PDS and passed through: its body is the PDS's, not ours. */
  forwarded: boolean
}

async function send(target: FuzzTarget, r: FuzzRequest): Promise<Answer> {
  const c = target.creds
  const headers: Record<string, string> = { ...r.headers, 'x-forwarded-for': randomIp(r) }
  switch (r.auth) {
    case 'access':
      headers.authorization = `Bearer ${c.access}`
      break
    case 'appPassword':
      headers.authorization = `Bearer ${c.appPassword}`
      break
    case 'refresh':
      headers.authorization = `Bearer ${c.refresh}`
      break
    case 'adminBasic':
      headers.authorization = c.adminBasic
      break
    case 'service':
      headers.authorization = `Bearer ${await c.serviceJwt(r.path.startsWith('/xrpc/') ? lxmOf(r.path.slice(6)) : 'x')}`
      break
    case 'portal':
      headers.cookie = c.portalCookie
      if (
        r.body !== undefined &&
        r.headers['content-type'] === 'application/x-www-form-urlencoded'
      ) {
        r = { ...r, body: `_csrf=${encodeURIComponent(c.portalCsrf)}&${r.body}` }
      }
      headers['x-csrf-token'] = c.portalCsrf
      break
    case 'malformed':
      headers.authorization = r.malformedAuth!
      break
  }
  // a body shorter than its content-length cannot go over a real socket without hanging the
  // client: those go through inject; everything else over HTTP to the listening gateway
  const oauth = r.path.startsWith('/oauth') || r.path.startsWith('/@atproto/oauth-provider')
  // (the OAuth provider reads the client's port off the socket, which inject has not)
  if (oauth) delete headers['content-length']
  if (headers['content-length'] !== undefined) {
    const res = await target.gw.app.inject({
      method: r.method,
      url: r.path + r.query,
      headers,
      ...(r.body !== undefined ? { payload: r.body } : {}),
    })
    return {
      status: res.statusCode,
      contentType: String(res.headers['content-type'] ?? ''),
      body: res.body,
      forwarded: res.headers['x-stub-pds'] === '1',
    }
  }
  // HTTP carries no control characters nor code points past latin-1 in a header (Node's parser
  // refuses them before Fastify sees the request): send what a client could
  const wire = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [
      k,
      // eslint-disable-next-line no-control-regex -- control characters are what it replaces
      v.replace(/[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/g, '?'),
    ]),
  )
  const res = await fetch(target.url + r.path + r.query, {
    method: r.method,
    headers: wire,
    redirect: 'manual',
    ...(r.body !== undefined ? { body: r.body } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
    forwarded: res.headers.get('x-stub-pds') === '1',
  }
}

/** The method a service token names: the path's NSID (left encoded when it is not valid UTF-8). */
function lxmOf(encoded: string): string {
  try {
    return decodeURIComponent(encoded)
  } catch {
    return encoded
  }
}

/** Spreads requests over client addresses, as many clients would (per-IP limits stay realistic). */
function randomIp(r: FuzzRequest): string {
  let h = 0
  for (const ch of r.path + r.query + (r.body ?? '').slice(0, 64))
    h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0
  return `10.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255}`
}

/** What is wrong with this answer, or null. */
function checkAnswer(r: FuzzRequest, a: Answer): string | null {
  if (a.status >= 500 && a.status !== 501) return `status ${a.status}: ${a.body.slice(0, 300)}`
  if (a.status < 400 || a.forwarded) return null
  const oauth =
    r.path.startsWith('/oauth/') ||
    r.path.startsWith('/@atproto/oauth-provider') ||
    r.path.startsWith('/.well-known/oauth')
  // pages a browser navigates to answer their errors as HTML: the admin portal's, the OAuth UI's
  const portalPage =
    r.path.startsWith('/admin') &&
    !r.path.startsWith('/admin/xrpc/') &&
    !r.path.startsWith('/admin/api/')
  const oauthPage =
    r.method === 'GET' && (r.path.startsWith('/account') || r.path.startsWith('/oauth/authorize'))
  // the handle-verification file is text/plain by spec (the PDS answers `User not found` so too)
  const wellKnownText =
    r.path === '/.well-known/atproto-did' && a.contentType.startsWith('text/plain')
  if ((portalPage || oauthPage) && a.contentType.startsWith('text/html')) return null
  if (wellKnownText) return null
  // @NOTE the provider's router answers a method it does not route (GET /oauth/par) 405, no body
  if (oauth && a.status === 405 && a.body === '') return null
  let body: Record<string, unknown>
  try {
    body = JSON.parse(a.body) as Record<string, unknown>
  } catch {
    return `status ${a.status} with a body that is not JSON (${a.contentType}): ${a.body.slice(0, 200)}`
  }
  if (typeof body?.error !== 'string')
    return `status ${a.status} without an error name: ${a.body.slice(0, 200)}`
  if (!oauth && body.message !== undefined && typeof body.message !== 'string')
    return `status ${a.status}: message is not a string`
  return null
}

/** A prop that checks one request against the target; throws with the reason when it fails. */
export function fuzzProperty(
  target: FuzzTarget,
  stats: FuzzStats,
  crashes: unknown[],
  survey?: Map<string, string>,
) {
  // the Entryway's own XRPC methods reach its stores: they get more of the requests
  const weightOf = (url: string) => (url === '/xrpc/*' ? 2 : url.startsWith('/xrpc/') ? 3 : 1)
  const arbs = target.routes.map((route) => ({
    weight: weightOf(route.url),
    arbitrary: requestArb(route, target.known),
  }))
  return fc.asyncProperty(fc.oneof(...arbs), async (r) => {
    if (stats.requests % RESTORE_EVERY === 0) await target.restore()
    stats.requests++
    target.takeErrors()
    const before = await target.countRows()
    let timer: NodeJS.Timeout | undefined
    const answer = await Promise.race([
      send(target, r),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms (hang)`)),
          REQUEST_TIMEOUT_MS,
        )
      }),
    ]).finally(() => clearTimeout(timer))
    const perRoute = stats.byRoute.get(r.route) ?? new Map<number, number>()
    perRoute.set(answer.status, (perRoute.get(answer.status) ?? 0) + 1)
    stats.byRoute.set(r.route, perRoute)

    const problems: string[] = []
    const wrong = checkAnswer(r, answer)
    if (wrong) problems.push(wrong)
    if (answer.status >= 400) {
      const after = await target.countRows()
      for (const [table, n] of after) {
        if (n !== before.get(table) && !WRITES_ON_REFUSAL_ALLOWED.has(table))
          problems.push(
            `refused (${answer.status}) but ${table} went from ${before.get(table)} to ${n} rows`,
          )
      }
    }
    for (const line of target.takeErrors())
      problems.push(`error logged: ${line.msg} ${JSON.stringify(line.err ?? '').slice(0, 300)}`)
    if (crashes.length) problems.push(`process crash: ${String(crashes.splice(0)[0])}`)
    if (problems.length && survey) {
      // survey mode: remember one example per route and kind of problem, and go on
      for (const p of problems) {
        const key = `${r.route} :: ${p.replace(/\d+/g, 'N').slice(0, 60)}`
        if (!survey.has(key)) survey.set(key, `${p}\n  request: ${JSON.stringify(r).slice(0, 600)}`)
      }
      return
    }
    if (problems.length) throw new Error(problems.join('\n'))
  })
}

/** Runs the property; a failure names the seed and the shrunk request. */
export async function runFuzz(
  target: FuzzTarget,
  o: FuzzRunOptions,
): Promise<{ stats: FuzzStats; failure: string | null }> {
  const stats: FuzzStats = { requests: 0, byRoute: new Map() }
  const crashes: unknown[] = []
  const onCrash = (err: unknown) => crashes.push(err)
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
  try {
    const details = await fc.check(fuzzProperty(target, stats, crashes, o.survey), {
      seed: o.seed,
      numRuns: o.numRuns,
      ...(o.timeLimitMs
        ? { interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false }
        : {}),
      endOnFailure: false,
    })
    if (!details.failed) return { stats, failure: null }
    const shrunk = JSON.stringify(details.counterexample?.[0], null, 2)
    const reason =
      details.errorInstance instanceof Error
        ? details.errorInstance.message
        : String(details.errorInstance)
    return {
      stats,
      failure: `fuzz failed (seed ${o.seed}, path ${details.counterexamplePath}) after ${details.numRuns} runs, shrunk ${details.numShrinks} times\nrequest: ${shrunk}\n${reason}`,
    }
  } finally {
    process.off('uncaughtException', onCrash)
    process.off('unhandledRejection', onCrash)
  }
}

/** Routes and the statuses they answered, one line each. */
export function formatStats(stats: FuzzStats): string {
  return [...stats.byRoute.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([route, byStatus]) =>
        `${route}: ${[...byStatus.entries()]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    )
    .join('\n')
}
