import type { FastifyInstance } from 'fastify'
import type { EntrywayDb } from '@entryway/db'
import {
  DEFAULT_EMAIL_TOKEN_TTL_MS,
  MailTemplates,
  SmtpMailer,
  TokenEmails,
} from '@entryway/session'
import { KyselyEmailTokenStore } from '@entryway/session/postgres'
import type { ServerConfig } from '../config/config.js'

export interface GatewayMail {
  /** `null` when ENTRYWAY_SMTP_URL is unset: flows that must mail answer 501. */
  mailer: SmtpMailer | null
  templates: MailTemplates
  /** The code mails of sessions and OAuth sign-in, through the outbox. */
  tokenEmails: TokenEmails
}

/**
 * The gateway's one mail set-up (one SMTP transport, the operator's templates) for sessions,
 * OAuth and the outbox worker; the transport is closed with the app.
 */
export function createGatewayMail(
  app: FastifyInstance,
  cfg: ServerConfig,
  db: EntrywayDb,
): GatewayMail {
  let mailer: SmtpMailer | null = null
  if (cfg.email) {
    const smtp = new SmtpMailer({ smtpUrl: cfg.email.smtpUrl, from: cfg.email.from })
    app.addHook('onClose', async () => smtp.close())
    mailer = smtp
  } else {
    app.log.warn(
      'email not configured (ENTRYWAY_SMTP_URL): email confirmation, password reset and sign-in of accounts with email 2FA answer 501',
    )
  }
  // the overrides were checked when the config was read
  const templates = new MailTemplates(cfg.email?.templates ?? {})
  const tokenEmails = new TokenEmails({
    mailer,
    templates,
    emailTokens: new KyselyEmailTokenStore(db),
    serviceName: cfg.service.name,
    serviceUrl: cfg.service.publicUrl,
    ttlMs: DEFAULT_EMAIL_TOKEN_TTL_MS,
    now: Date.now,
  })
  return { mailer, templates, tokenEmails }
}
