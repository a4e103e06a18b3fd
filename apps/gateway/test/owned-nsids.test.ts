import t from 'tap'
import type { RouteOptions } from 'fastify'
import { ENTRYWAY_RESERVED_NSIDS, NsidMatcher } from '@entryway/proxy'
import { ENTRYWAY_OWNED_NSIDS } from '../src/wire/proxy.js'
import { DB_TARGET } from './abuse/helpers.js'
import { buildWholeGateway } from './in-process-gateway.js'

// The proxy never forwards a method the Entryway serves: every `/xrpc/<nsid>` route of a whole
// gateway (every plugin mounted) is owned per the proxy's matcher, and a request for it that
// reaches the catch-all (the other HTTP method) is refused with 501, not sent to a PDS.

/** XRPC routes the proxy is meant to see: the catch-all itself, probes, subscribeRepos's upgrade. */
const NOT_METHODS = new Set(['*', '_health', '_ready', 'com.atproto.sync.subscribeRepos'])

t.test('every XRPC route of the gateway is owned by the proxy', async (t) => {
  const database = await DB_TARGET!.open()
  t.teardown(() => database.close())
  // NSID → its methods (a GET route is seen twice: GET, then the HEAD Fastify adds)
  const methods = new Map<string, Set<string>>()
  const collect = (route: RouteOptions) => {
    if (!route.url.startsWith('/xrpc/')) return
    const nsid = route.url.slice('/xrpc/'.length)
    if (NOT_METHODS.has(nsid)) return
    const set = methods.get(nsid) ?? new Set<string>()
    for (const m of [route.method].flat()) set.add(m)
    methods.set(nsid, set)
  }
  const gw = await buildWholeGateway(t, database, collect)

  const routes = [...methods].map(([nsid, set]) => ({ nsid, methods: [...set] }))
  t.ok(routes.length > 50, `${routes.length} XRPC methods`)
  const owned = new NsidMatcher([...ENTRYWAY_RESERVED_NSIDS.keys(), ...ENTRYWAY_OWNED_NSIDS])
  const unowned = routes.filter((r) => !owned.has(r.nsid)).map((r) => r.nsid)
  t.same(unowned, [], 'no route the proxy would forward')

  // through HTTP: the method not registered for the route reaches the proxy's catch-all (unless a
  // namespace route of the Entryway, `com.atproto.admin.*`, answers it first)
  const namespaces = routes.filter((r) => r.nsid.endsWith('.*')).map((r) => r.nsid.slice(0, -1))
  const refused: string[] = []
  for (const r of routes) {
    const get = r.methods.includes('GET')
    if (r.nsid.includes('*') || namespaces.some((n) => r.nsid.startsWith(n))) continue
    if (get && r.methods.includes('POST')) continue
    const res = await gw.app.inject({ method: get ? 'POST' : 'GET', url: `/xrpc/${r.nsid}` })
    if (res.statusCode !== 501 || res.json<{ error?: string }>().error !== 'MethodNotImplemented')
      refused.push(`${r.nsid}: ${res.statusCode} ${res.body}`)
  }
  t.same(refused, [], 'each answers 501 MethodNotImplemented at the catch-all')
})
