import type { FastifyInstance } from 'fastify'
import { DidPlcOperator, OutboxWorker, sessionJobHandlers } from '@entryway/session'
import { KyselyOutboxStore } from '@entryway/session/postgres'
import type { GatewayContext } from '../context.js'
import { gatewayMail } from './mailer.js'

const workers = new WeakMap<GatewayContext, { worker: OutboxWorker; plc: DidPlcOperator }>()

/**
 * The gateway's outbox worker (sessions and OAuth share it): outside calls that follow a committed
 * change (a deleted account's PLC tombstone) and the emailed codes, retried with backoff until
 * they succeed. Every instance polls; each job runs on one at a time. Started when the app is
 * ready, stopped with it.
 */
export function gatewayOutbox(
  app: FastifyInstance,
  ctx: GatewayContext,
): { worker: OutboxWorker; plc: DidPlcOperator } {
  const known = workers.get(ctx)
  if (known) return known
  const { cfg } = ctx
  const plc = new DidPlcOperator(cfg.plc.url, ctx.plcRotationKey)
  const log = app.log.child({ component: 'outbox' })
  const worker = new OutboxWorker({
    store: new KyselyOutboxStore(ctx.database.db),
    handlers: sessionJobHandlers(plc, { tokenEmails: gatewayMail(app, ctx).tokenEmails, log }),
    log,
    pollMs: cfg.outbox.pollMs,
    backoffMs: cfg.outbox.backoffMs,
    maxBackoffMs: cfg.outbox.maxBackoffMs,
  })
  app.addHook('onReady', async () => worker.start())
  app.addHook('onClose', async () => worker.stop())
  const out = { worker, plc }
  workers.set(ctx, out)
  return out
}
