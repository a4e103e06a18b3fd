import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Keypair } from '@atproto/crypto'
import { mountRoutes, nsidsOf, parseBearer } from '@entryway/xrpc'
import type { AccountDirectory } from './account-directory.js'
import { AccountMover, type MoveCrashPoint, type MoveTokens } from './account-mover.js'
import type { PlacementAuth } from './deps.js'
import type { HostRegistry } from './host-registry.js'
import type { MoveJob } from './move-job.js'
import type { MoveJobStore } from './move-job-store.js'
import { MoveGate } from './move-gate.js'
import type { MovePdsClient } from './move-pds-client.js'
import type { MovePlc } from './move-plc.js'
import { MoveWorker } from './move-worker.js'
import { MOVE_ROUTES } from './routes/com.entryway.admin.moves.js'

export interface AccountMovesOptions {
  hosts: HostRegistry
  accounts: AccountDirectory
  jobs: MoveJobStore
  pds: MovePdsClient
  plc: MovePlc
  /** The Entryway's PLC rotation key (in every DID it created). */
  rotationKey: Keypair
  tokens: MoveTokens
  auth: Pick<PlacementAuth, 'admin'>
  /** This instance's name on job leases. */
  instanceId: string
  /** Moves this instance runs at once. @default 4 */
  concurrency?: number
  /** @default 1000 */
  pollMs?: number
  /** @default 60000 */
  leaseMs?: number
  /** @default 500 */
  gateRefreshMs?: number
  /** Moves remembered by the gate (old-host tokens → ExpiredToken). @default 2 h 5 min (access token lifetime) */
  recentMs?: number
  /** @default 5 */
  maxAttempts?: number
  /** @default 5000 */
  retryDelayMs?: number
  /** @default 2 */
  retryAfterSec?: number
  /** Run the worker (tests drive it by hand with `false`). @default true */
  worker?: boolean
  crashHook?: (job: MoveJob, point: MoveCrashPoint) => void | Promise<void>
  onSwitched?: (did: string) => void | Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    accountMoves: { worker: MoveWorker; mover: AccountMover; gate: MoveGate; jobs: MoveJobStore }
  }
}

/** The proxy's catch-all route: the gate applies to what the Entryway forwards to a PDS. */
const PROXY_ROUTE = '/xrpc/*'

async function accountMovesPlugin(app: FastifyInstance, o: AccountMovesOptions): Promise<void> {
  if (!o.instanceId) throw new Error('@entryway/placement-moves: instanceId is required')
  const log = app.log.child({ plugin: 'moves' })
  const leaseMs = o.leaseMs ?? 60_000
  const gateRefreshMs = o.gateRefreshMs ?? 500
  const gate = new MoveGate({
    jobs: o.jobs,
    refreshMs: gateRefreshMs,
    recentMs: o.recentMs ?? 125 * 60_000,
    retryAfterSec: o.retryAfterSec ?? 2,
    log,
  })
  const mover = new AccountMover({
    hosts: o.hosts,
    accounts: o.accounts,
    jobs: o.jobs,
    pds: o.pds,
    plc: o.plc,
    rotationKey: o.rotationKey,
    tokens: o.tokens,
    log,
    leaseMs,
    // two refreshes: every instance's gate has read the freeze before the source stops taking writes
    freezeSettleMs: gateRefreshMs * 2 + 100,
    maxAttempts: o.maxAttempts ?? 5,
    retryDelayMs: o.retryDelayMs ?? 5_000,
    crashHook: o.crashHook,
    onSwitched: async (did) => {
      await gate.refresh().catch(() => undefined)
      await o.onSwitched?.(did)
    },
  })
  const worker = new MoveWorker({
    jobs: o.jobs,
    mover,
    owner: o.instanceId,
    concurrency: o.concurrency ?? 4,
    pollMs: o.pollMs ?? 1_000,
    leaseMs,
    log,
  })
  app.decorate('accountMoves', { worker, mover, gate, jobs: o.jobs })

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url !== PROXY_ROUTE) return
    const refusal = gateRefusal(gate, req)
    if (refusal) throw refusal
  })

  await mountRoutes(
    app,
    MOVE_ROUTES,
    {
      hosts: o.hosts,
      accounts: o.accounts,
      jobs: o.jobs,
      auth: o.auth,
      queued: () => worker.poke(),
    },
    null,
  )

  app.addHook('onReady', async () => {
    await gate.refresh()
    gate.start()
    if (o.worker !== false) worker.start()
  })
  app.addHook('onClose', async () => {
    gate.stop()
    await worker.stop()
  })
}

function gateRefusal(gate: MoveGate, req: FastifyRequest) {
  const token = parseBearer(req.headers.authorization)
  if (token) {
    // unverified on purpose: a forged subject can only get its own request refused
    const claims = payloadOf(token)
    const sub =
      typeof claims?.sub === 'string'
        ? claims.sub
        : typeof claims?.iss === 'string'
          ? claims.iss
          : null
    if (sub) {
      const aud =
        typeof claims?.aud === 'string' && typeof claims.sub === 'string' ? claims.aud : null
      return gate.check(sub, aud)
    }
  }
  const q = req.query as Record<string, unknown> | undefined
  const repo = typeof q?.repo === 'string' ? q.repo : typeof q?.did === 'string' ? q.did : null
  return repo && repo.startsWith('did:') ? gate.checkRepo(repo) : null
}

function payloadOf(token: string): Record<string, unknown> | null {
  const body = token.split('.')[1]
  if (!body || body.length > 8192) return null
  try {
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    return p && typeof p === 'object' ? (p as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** Account moves between fleet hosts: the job worker, the request gate, the operator procedures. */
export const accountMoves = fp(accountMovesPlugin, {
  name: '@entryway/placement-moves',
  fastify: '5.x',
})

/** The XRPC methods the account-moves plugin serves (the proxy must not forward them). */
export const MOVE_NSIDS: readonly string[] = nsidsOf(MOVE_ROUTES)
