import type { FastifyInstance } from 'fastify'
import { SmtpMailer } from '@entryway/session'
import type { GatewayContext } from '../context.js'

const mailers = new WeakMap<GatewayContext, SmtpMailer | null>()

/**
 * The gateway's one SMTP mailer (one connection pool for sessions and OAuth), opened on first use
 * and closed with the app; `null` when email is not configured.
 */
export function gatewayMailer(app: FastifyInstance, ctx: GatewayContext): SmtpMailer | null {
  if (mailers.has(ctx)) return mailers.get(ctx)!
  let mailer: SmtpMailer | null = null
  if (ctx.cfg.email) {
    const smtp = new SmtpMailer({ smtpUrl: ctx.cfg.email.smtpUrl, from: ctx.cfg.email.from })
    app.addHook('onClose', async () => smtp.close())
    mailer = smtp
  }
  mailers.set(ctx, mailer)
  return mailer
}
