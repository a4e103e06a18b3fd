import type { FastifyInstance } from 'fastify'
import type { Secp256k1Keypair } from '@atproto/crypto'
import type { EntrywayDb } from '@entryway/db'
import {
  DidPlcOperator,
  OutboxWorker,
  sessionJobHandlers,
  type TokenEmails,
} from '@entryway/session'
import { KyselyOutboxStore } from '@entryway/session/postgres'
import type { ServerConfig } from '../config/config.js'

export interface GatewayOutbox {
  worker: OutboxWorker
  /** Signs and sends the PLC operations the worker's jobs carry (a deleted account's tombstone). */
  plc: DidPlcOperator
}

/**
 * The gateway's outbox worker (sessions and OAuth share it): outside calls that follow a committed
 * change (a deleted account's PLC tombstone) and the emailed codes, retried with backoff until
 * they succeed. Every instance polls; each job runs on one at a time. Started when the app is
 * ready, stopped with it.
 */
export function createGatewayOutbox(
  app: FastifyInstance,
  cfg: ServerConfig,
  deps: { db: EntrywayDb; plcRotationKey: Secp256k1Keypair; tokenEmails: TokenEmails },
): GatewayOutbox {
  const plc = new DidPlcOperator(cfg.plc.url, deps.plcRotationKey)
  const log = app.log.child({ component: 'outbox' })
  const worker = new OutboxWorker({
    store: new KyselyOutboxStore(deps.db),
    handlers: sessionJobHandlers(plc, { tokenEmails: deps.tokenEmails, log }),
    log,
    pollMs: cfg.outbox.pollMs,
    backoffMs: cfg.outbox.backoffMs,
    maxBackoffMs: cfg.outbox.maxBackoffMs,
  })
  app.addHook('onReady', async () => worker.start())
  app.addHook('onClose', async () => worker.stop())
  return { worker, plc }
}
