import { InvalidRequestError, UpstreamFailureError, XrpcError } from '@entryway/xrpc'
import { servesAccounts, type HostSnapshot, type RoutableHost } from './host-directory.js'
import { mapUpstreamError } from './upstream-errors.js'

export const LIST_REPOS = 'com.atproto.sync.listRepos'

/** The lexicon's bounds for `limit`. */
const DEFAULT_LIMIT = 500
const MAX_LIMIT = 1000

/** One page of a host's `listRepos`, as the PDS answers it. */
export interface RepoPage {
  repos: unknown[]
  cursor?: string
}

/** Asks one host for a page of its repos (GET on its target origin). */
export type FetchRepoPage = (
  host: RoutableHost,
  limit: number,
  cursor: string | null,
) => Promise<RepoPage>

/** Where a fleet-wide listing stands: which host, and that host's own cursor. */
interface FleetCursor {
  host: string
  cursor: string | null
}

/**
 * `com.atproto.sync.listRepos` for the whole service: the Entryway is one PDS to its clients, so
 * its repo listing is every host's, one host after another (ordered by host DID, which never
 * changes; disabled hosts left out), behind one opaque cursor that carries the host and that
 * host's own cursor. Sent to a single host, the listing would silently miss every other host's
 * accounts.
 */
export async function listReposAcrossFleet(
  snapshot: HostSnapshot,
  query: Record<string, unknown> | undefined,
  fetchPage: FetchRepoPage,
): Promise<RepoPage> {
  const limit = parseLimit(query?.limit)
  const from = parseCursor(query?.cursor)
  // a disabled host is out of service: its accounts are not listed while it is
  const hosts = [...snapshot.byDid.values()]
    .filter(servesAccounts)
    .sort((a, b) => (a.host.did < b.host.did ? -1 : a.host.did > b.host.did ? 1 : 0))
  let i = from ? hosts.findIndex((h) => h.host.did >= from.host) : 0
  if (i < 0) return { repos: [] }
  // a host removed since the cursor was made: go on with the next one, from its start
  let hostCursor = from && hosts[i]!.host.did === from.host ? from.cursor : null
  const repos: unknown[] = []
  while (i < hosts.length) {
    const host = hosts[i]!
    const page = await fetchPage(host, limit - repos.length, hostCursor).catch((err: unknown) => {
      throw err instanceof XrpcError ? err : mapUpstreamError(err)
    })
    if (!Array.isArray(page.repos))
      throw new UpstreamFailureError(`${host.publicOrigin} answered listRepos without repos`)
    repos.push(...page.repos)
    const more = typeof page.cursor === 'string' && page.cursor !== '' && page.repos.length > 0
    if (repos.length >= limit) {
      if (more)
        return { repos, cursor: encodeCursor({ host: host.host.did, cursor: page.cursor! }) }
      const next = hosts[i + 1]
      return next
        ? { repos, cursor: encodeCursor({ host: next.host.did, cursor: null }) }
        : { repos }
    }
    if (more) {
      hostCursor = page.cursor!
      continue
    }
    i++
    hostCursor = null
  }
  return { repos }
}

function parseLimit(v: unknown): number {
  if (v === undefined) return DEFAULT_LIMIT
  const n = Number(Array.isArray(v) ? v[0] : v)
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_LIMIT}`)
  return n
}

function encodeCursor(c: FleetCursor): string {
  return Buffer.from(JSON.stringify([c.host, c.cursor])).toString('base64url')
}

function parseCursor(v: unknown): FleetCursor | null {
  const s = Array.isArray(v) ? v[0] : v
  if (s === undefined || s === '') return null
  try {
    const [host, cursor] = JSON.parse(
      Buffer.from(String(s), 'base64url').toString('utf8'),
    ) as unknown[]
    if (typeof host === 'string' && (cursor === null || typeof cursor === 'string'))
      return { host, cursor }
  } catch {
    // fall through
  }
  throw new InvalidRequestError('Malformed cursor')
}
