import { randomUUID } from 'node:crypto'
import { InvalidRequestError, NotFoundError, xrpcPath, type XrpcRoute } from '@entryway/xrpc'
import type { AccountDirectory } from '../account-directory.js'
import { normalizeHostUrl, type Host } from '../host.js'
import type { HostRegistry } from '../host-registry.js'
import { isLiveMove, type MoveJob, type MoveState } from '../move-job.js'
import { MoveConflictError, type MoveJobStore } from '../move-job-store.js'
import type { PlacementAuth } from '../deps.js'
import { isEligible, leastLoadedStrategy } from '../placement-strategy.js'

export const MOVE_ACCOUNT = 'com.entryway.admin.moveAccount'
export const EVACUATE_HOST = 'com.entryway.admin.evacuateHost'
export const GET_MOVE = 'com.entryway.admin.getMove'
export const GET_MOVES = 'com.entryway.admin.getMoves'

export interface MoveRouteDeps {
  hosts: HostRegistry
  accounts: AccountDirectory
  jobs: MoveJobStore
  auth: Pick<PlacementAuth, 'admin'>
  /** A job was queued: wake the worker. */
  queued: () => void
}

const STATES: readonly MoveState[] = [
  'queued',
  'running',
  'rolling_back',
  'done',
  'rolled_back',
  'failed',
]

/** A route of the account-moves plugin. */
export type MoveRoute = XrpcRoute<MoveRouteDeps>

// Operator procedures of account moves (Basic admin): move one account, evacuate a host, read jobs.

export const moveAccountRoute: MoveRoute = {
  nsid: MOVE_ACCOUNT,
  register(app, d) {
    app.post(xrpcPath(MOVE_ACCOUNT), async (req) => {
      await d.auth.admin(req)
      const b = (req.body ?? {}) as { account?: unknown; to?: unknown }
      const account = await findAccount(d, b.account)
      const target =
        b.to === undefined
          ? await leastLoadedOther(d, account.hostId)
          : await findHost(d.hosts, b.to)
      if (target.id === account.hostId)
        throw new InvalidRequestError('the account is already on that host', 'SameHost')
      if (
        target.status !== 'enabled' &&
        target.status !== 'draining' &&
        target.status !== 'registered'
      ) {
        throw new InvalidRequestError(`the target host is ${target.status}`, 'HostNotAvailable')
      }
      const job = await create(d, {
        did: account.did,
        sourceHostId: account.hostId,
        targetHostId: target.id,
      })
      d.queued()
      return { move: view(job) }
    })
  },
}

export const evacuateHostRoute: MoveRoute = {
  nsid: EVACUATE_HOST,
  register(app, d) {
    app.post(xrpcPath(EVACUATE_HOST), async (req) => {
      await d.auth.admin(req)
      const b = (req.body ?? {}) as { host?: unknown; to?: unknown }
      const source = await findHost(d.hosts, b.host)
      const fixed = b.to === undefined ? null : await findHost(d.hosts, b.to)
      if (fixed && fixed.id === source.id)
        throw new InvalidRequestError('cannot evacuate a host onto itself', 'SameHost')
      // drained first: no new account lands on it while it empties
      if (source.status === 'enabled') await d.hosts.setStatus(source.id, 'draining')
      const evacuation = `evac-${randomUUID()}`
      const counts = await d.hosts.accountCounts()
      const others = (await d.hosts.list()).filter((h) => h.id !== source.id)
      let queued = 0
      let skipped = 0
      let cursor: string | undefined
      do {
        const page = await d.accounts.list({ hostId: source.id, limit: 500, cursor })
        for (const a of page.accounts) {
          if (a.status === 'deleted') continue
          const target =
            fixed ??
            leastLoadedStrategy(others.map((h) => ({ host: h, accounts: counts.get(h.id) ?? 0 })))
          if (!target)
            throw new InvalidRequestError('no other host can take accounts', 'HostNotAvailable')
          try {
            await create(d, {
              did: a.did,
              sourceHostId: source.id,
              targetHostId: target.id,
              evacuation,
            })
            counts.set(target.id, (counts.get(target.id) ?? 0) + 1)
            queued++
          } catch (err) {
            if (!(err instanceof InvalidRequestError && err.error === 'AlreadyMoving')) throw err
            skipped++
          }
        }
        cursor = page.cursor
      } while (cursor)
      d.queued()
      return {
        evacuation,
        host: source.url,
        queued,
        alreadyMoving: skipped,
        eligibleTargets: others
          .filter((h) => isEligible({ host: h, accounts: counts.get(h.id) ?? 0 }))
          .map((h) => h.url),
      }
    })
  },
}

export const getMoveRoute: MoveRoute = {
  nsid: GET_MOVE,
  register(app, d) {
    app.get(xrpcPath(GET_MOVE), async (req) => {
      await d.auth.admin(req)
      const id = Number((req.query as { id?: string }).id)
      if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647)
        throw new InvalidRequestError('id must be a move id')
      const job = await d.jobs.get(id)
      if (!job) throw new NotFoundError('no such move', 'MoveNotFound')
      return { move: view(job) }
    })
  },
}

export const getMovesRoute: MoveRoute = {
  nsid: GET_MOVES,
  register(app, d) {
    app.get(xrpcPath(GET_MOVES), async (req) => {
      await d.auth.admin(req)
      const q = req.query as { state?: string; evacuation?: string; did?: string; limit?: string }
      const limit = q.limit === undefined ? 100 : Number(q.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new InvalidRequestError('limit must be an integer from 1 to 1000')
      if (q.state !== undefined && !STATES.includes(q.state as MoveState))
        throw new InvalidRequestError(`state must be one of ${STATES.join(', ')}`)
      const jobs = await d.jobs.list({
        state: q.state as MoveState | undefined,
        evacuation: q.evacuation || undefined,
        did: q.did || undefined,
        limit,
      })
      return { moves: jobs.map(view) }
    })
  },
}

/** Every route of the account-moves plugin. */
export const MOVE_ROUTES: readonly MoveRoute[] = [
  moveAccountRoute,
  evacuateHostRoute,
  getMoveRoute,
  getMovesRoute,
]

async function create(
  d: MoveRouteDeps,
  job: { did: string; sourceHostId: number; targetHostId: number; evacuation?: string },
): Promise<MoveJob> {
  try {
    return await d.jobs.create(job)
  } catch (err) {
    if (err instanceof MoveConflictError)
      throw new InvalidRequestError('the account is already moving', 'AlreadyMoving')
    throw err
  }
}

/** Where an account goes when the operator names no host: the least loaded eligible other host. */
async function leastLoadedOther(d: MoveRouteDeps, sourceHostId: number): Promise<Host> {
  const counts = await d.hosts.accountCounts()
  const others = (await d.hosts.list()).filter((h) => h.id !== sourceHostId)
  const host = leastLoadedStrategy(
    others.map((h) => ({ host: h, accounts: counts.get(h.id) ?? 0 })),
  )
  if (!host) throw new InvalidRequestError('no other host can take accounts', 'HostNotAvailable')
  return host
}

async function findAccount(d: MoveRouteDeps, ref: unknown) {
  if (typeof ref !== 'string' || !ref || ref.length > 300)
    throw new InvalidRequestError('account (DID or handle) is required')
  const a = ref.startsWith('did:')
    ? await d.accounts.getByDid(ref)
    : await d.accounts.getByHandle(ref.toLowerCase())
  if (!a || a.status === 'deleted') throw new NotFoundError('no such account', 'AccountNotFound')
  return a
}

async function findHost(hosts: HostRegistry, ref: unknown): Promise<Host> {
  let host: Host | null
  if (typeof ref === 'number' || (typeof ref === 'string' && /^\d{1,9}$/.test(ref)))
    host = await hosts.get(Number(ref))
  else if (typeof ref === 'string' && ref.startsWith('did:')) host = await hosts.getByDid(ref)
  else if (typeof ref === 'string') {
    let url: string
    try {
      url = normalizeHostUrl(ref)
    } catch {
      throw new InvalidRequestError('host must be an id, a URL or a DID')
    }
    host = await hosts.getByUrl(url)
  } else throw new InvalidRequestError('host (id, URL or DID) is required')
  if (!host) throw new NotFoundError('no such host', 'HostNotFound')
  return host
}

function view(j: MoveJob) {
  return {
    id: j.id,
    did: j.did,
    sourceHostId: j.sourceHostId,
    targetHostId: j.targetHostId,
    state: j.state,
    step: j.step,
    live: isLiveMove(j.state),
    frozen: j.frozenAt !== null,
    evacuation: j.evacuation ?? undefined,
    error: j.error ?? undefined,
    attempts: j.attempts,
    createdAt: j.createdAt,
    updatedAt: j.updatedAt,
    finishedAt: j.finishedAt ?? undefined,
  }
}
