import { InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { Host } from '../host.js'
import { crawlHostname } from '../relay-crawlers.js'
import type { PlacementRoute } from '../route-deps.js'
import { findHost } from './com.entryway.admin.hosts.js'

export const REQUEST_CRAWL = 'com.entryway.admin.requestCrawl'
/** Relays one call may name (each gets one request per host, with retries). */
const MAX_RELAYS = 10

/**
 * Operator (Basic admin; `./dev admin request-crawl [relay…]`): asks relays to crawl the enabled
 * hosts (or the one named by `host`): the configured relays, or the `relays` given. Answers with
 * what each relay said; a relay's failure is reported, not raised.
 */
export const requestCrawlRoute: PlacementRoute = {
  nsid: REQUEST_CRAWL,
  register(app, deps) {
    app.post(xrpcPath(REQUEST_CRAWL), async (req) => {
      await deps.o.auth.admin(req)
      const b = (req.body ?? {}) as { host?: unknown; relays?: unknown }
      if (typeof b !== 'object' || Array.isArray(b))
        throw new InvalidRequestError('A JSON object is expected')
      const relays = b.relays === undefined ? deps.crawlers.relays : relayList(b.relays)
      if (relays.length === 0)
        throw new InvalidRequestError('No relays: set ENTRYWAY_CRAWLERS or name them', 'NoRelays')
      const hosts: Host[] =
        b.host !== undefined
          ? [await findHost(deps, b.host)]
          : (await deps.o.hosts.list()).filter((h) => h.status === 'enabled')
      const results = (
        await Promise.all(
          hosts.map((h) => deps.crawlers.requestCrawl(crawlHostname(h.url), req.log, relays)),
        )
      ).flat()
      return { results }
    })
  },
}

function relayList(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_RELAYS)
    throw new InvalidRequestError(`relays must be a list of 1 to ${MAX_RELAYS} URLs`)
  return v.map((u) => {
    const url = typeof u === 'string' && URL.canParse(u) ? new URL(u) : null
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw new InvalidRequestError(`not an http(s) relay URL: ${String(u)}`)
    return url.origin
  })
}
