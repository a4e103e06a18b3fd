import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyInstance } from 'fastify'
import {
  accountMoves,
  UndiciMovePdsClient,
  UndiciMovePlc,
  type AccountMovesOptions,
} from '@entryway/placement'
import {
  KyselyAccountDirectory,
  KyselyHostRegistry,
  KyselyMoveJobStore,
} from '@entryway/placement/postgres'
import { AuthScope, createAccessToken } from '@entryway/session'
import type { GatewayContext } from '../context.js'
import { PLACEMENT_PDS_TIMEOUT_MS, PLACEMENT_PLC_TIMEOUT_MS } from './placement.js'

/** Deadline of one repo export/import or blob transfer of a move. */
export const MOVE_TRANSFER_TIMEOUT_MS = 300_000
/** Lifetime of the access tokens the mover presents to the two PDSes. */
const MOVE_TOKEN_TTL_SEC = 600

/** What tests may change about the move worker (a crash hook, a worker they drive by hand). */
export type MoveWiringOverrides = Partial<
  Pick<
    AccountMovesOptions,
    | 'worker'
    | 'crashHook'
    | 'pollMs'
    | 'leaseMs'
    | 'retryDelayMs'
    | 'maxAttempts'
    | 'concurrency'
    | 'instanceId'
  >
>

/**
 * Account moves (docs/account-moves.md): the job worker, the gate in front of the proxy, the
 * operator procedures. Registered before the proxy so the gate's hook covers its catch-all.
 */
export async function wireMoves(
  app: FastifyInstance,
  ctx: GatewayContext,
  overrides: MoveWiringOverrides = {},
): Promise<void> {
  const { cfg, secrets } = ctx
  const db = ctx.database.db
  await app.register(accountMoves, {
    hosts: new KyselyHostRegistry(db),
    accounts: new KyselyAccountDirectory(db),
    jobs: new KyselyMoveJobStore(db),
    pds: new UndiciMovePdsClient({
      adminPassword: secrets.pdsAdminPassword,
      timeoutMs: PLACEMENT_PDS_TIMEOUT_MS,
      transferTimeoutMs: MOVE_TRANSFER_TIMEOUT_MS,
    }),
    plc: new UndiciMovePlc(cfg.plc.url, PLACEMENT_PLC_TIMEOUT_MS),
    rotationKey: ctx.plcRotationKey,
    tokens: {
      access: (did, pdsDid) =>
        createAccessToken(ctx.keyring, {
          did,
          pdsDid,
          scope: AuthScope.Access,
          issuer: cfg.service.did,
          ttlSec: MOVE_TOKEN_TTL_SEC,
        }),
    },
    auth: { admin: (req) => ctx.authVerifier.adminBasic(req) },
    instanceId: `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
    // this instance's cached DID document follows the move at once (others on AccountNotFound)
    onSwitched: async (did) => {
      await ctx.didResolver.resolve(did, { forceRefresh: true }).catch(() => undefined)
    },
    ...overrides,
  })
}
