import type { FastifyBaseLogger } from 'fastify'
import { crawlHostname } from '../relay-crawlers.js'
import { InvalidRequestError, NotFoundError, xrpcPath } from '@entryway/xrpc'
import { canTransition, isHostStatus, normalizeHostUrl, type Host } from '../host.js'
import { HostConflictError } from '../host-registry.js'
import type { PlacementRoute, PlacementRouteDeps } from '../route-deps.js'

export const LIST_HOSTS = 'com.entryway.admin.listHosts'
export const ADD_HOST = 'com.entryway.admin.addHost'
export const UPDATE_HOST = 'com.entryway.admin.updateHost'
export const CHECK_HOSTS = 'com.entryway.admin.checkHosts'

// Operator endpoints behind the CLI (Basic admin): list, add, change status/weight/cap, check now.

export const listHostsRoute: PlacementRoute = {
  nsid: LIST_HOSTS,
  register(app, deps) {
    app.get(xrpcPath(LIST_HOSTS), async (req) => {
      await deps.o.auth.admin(req)
      const [list, counts] = await Promise.all([deps.o.hosts.list(), deps.o.hosts.accountCounts()])
      return { hosts: list.map((h) => ({ ...h, accounts: counts.get(h.id) ?? 0 })) }
    })
  },
}

export const addHostRoute: PlacementRoute = {
  nsid: ADD_HOST,
  register(app, deps) {
    app.post(xrpcPath(ADD_HOST), async (req) => {
      await deps.o.auth.admin(req)
      const b = (req.body ?? {}) as Record<string, unknown>
      if (typeof b.did !== 'string' || !/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/.test(b.did))
        throw new InvalidRequestError('did must be a DID')
      const url = parseUrl(b.url, 'url')
      const internalUrl =
        b.internalUrl === undefined || b.internalUrl === null
          ? null
          : parseUrl(b.internalUrl, 'internalUrl')
      const status = b.status === undefined ? 'registered' : b.status
      if (!isHostStatus(status) || status === 'retired')
        throw new InvalidRequestError('status must be registered, enabled, draining or disabled')
      try {
        const host = await deps.o.hosts.add({
          url,
          did: b.did,
          internalUrl,
          status,
          weight: weightOf(b.weight) ?? 1,
          accountCap: capOf(b.accountCap) ?? null,
        })
        void deps.health.checkHost(host)
        if (host.status === 'enabled') askRelaysToCrawl(deps, host, req.log)
        return { host: { ...host, accounts: 0 } }
      } catch (err) {
        if (err instanceof HostConflictError)
          throw new InvalidRequestError(err.message, 'HostAlreadyExists')
        throw err
      }
    })
  },
}

export const updateHostRoute: PlacementRoute = {
  nsid: UPDATE_HOST,
  register(app, deps) {
    app.post(xrpcPath(UPDATE_HOST), async (req) => {
      await deps.o.auth.admin(req)
      const b = (req.body ?? {}) as Record<string, unknown>
      let host = await findHost(deps, b.host)
      const counts = await deps.o.hosts.accountCounts()
      if (b.status !== undefined) {
        if (!isHostStatus(b.status)) throw new InvalidRequestError('unknown status')
        if (!canTransition(host.status, b.status)) {
          throw new InvalidRequestError(
            `cannot move a host from ${host.status} to ${b.status}`,
            'InvalidHostTransition',
          )
        }
        if (b.status === 'retired' && (counts.get(host.id) ?? 0) > 0) {
          throw new InvalidRequestError(
            'the host still holds accounts; migrate them before retiring it',
            'HostNotEmpty',
          )
        }
        const was = host.status
        host = (await deps.o.hosts.setStatus(host.id, b.status))!
        if (host.status === 'enabled' && was !== 'enabled') askRelaysToCrawl(deps, host, req.log)
      }
      const weight = weightOf(b.weight)
      const accountCap = capOf(b.accountCap)
      const internalUrl =
        b.internalUrl === undefined
          ? undefined
          : b.internalUrl === null
            ? null
            : parseUrl(b.internalUrl, 'internalUrl')
      if (weight !== undefined || accountCap !== undefined || internalUrl !== undefined) {
        host = (await deps.o.hosts.update(host.id, { weight, accountCap, internalUrl }))!
      }
      req.log.info(
        { host: host.url, status: host.status, weight: host.weight, cap: host.accountCap },
        'pds host updated',
      )
      return { host: { ...host, accounts: counts.get(host.id) ?? 0 } }
    })
  },
}

export const checkHostsRoute: PlacementRoute = {
  nsid: CHECK_HOSTS,
  register(app, deps) {
    app.post(xrpcPath(CHECK_HOSTS), async (req) => {
      await deps.o.auth.admin(req)
      await deps.health.runOnce()
      return { hosts: await deps.o.hosts.list() }
    })
  },
}

/** Every host route, as the plugin mounts them. */
export const hostAdminRoutes: readonly PlacementRoute[] = [
  listHostsRoute,
  addHostRoute,
  updateHostRoute,
  checkHostsRoute,
]

/** In the background: a relay being down never fails the operator's call (it is logged). */
function askRelaysToCrawl(deps: PlacementRouteDeps, host: Host, log: FastifyBaseLogger): void {
  if (deps.crawlers.relays.length === 0) return
  void deps.crawlers.requestCrawl(crawlHostname(host.url), log)
}

/** A host named by id or URL. */
export async function findHost(deps: PlacementRouteDeps, ref: unknown): Promise<Host> {
  const { hosts } = deps.o
  let host: Host | null
  if (typeof ref === 'number' || (typeof ref === 'string' && /^\d+$/.test(ref)))
    host = await hosts.get(Number(ref))
  else if (typeof ref === 'string' && ref.startsWith('did:')) host = await hosts.getByDid(ref)
  else if (typeof ref === 'string') host = await hosts.getByUrl(parseUrl(ref, 'host'))
  else throw new InvalidRequestError('host (id, URL or DID) is required')
  if (!host) throw new NotFoundError('no such host', 'HostNotFound')
  return host
}

function parseUrl(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new InvalidRequestError(`${name} must be a URL`)
  try {
    return normalizeHostUrl(v)
  } catch (err) {
    throw new InvalidRequestError(`${name}: ${(err as Error).message}`)
  }
}

function weightOf(v: unknown): number | undefined {
  if (v === undefined) return undefined
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 1_000_000)
    throw new InvalidRequestError('weight must be an integer ≥ 0')
  return v as number
}

function capOf(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return v
  if (!Number.isInteger(v) || (v as number) < 0)
    throw new InvalidRequestError('accountCap must be an integer ≥ 0 or null')
  return v as number
}
