import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { UpstreamFailureError, XrpcError } from '@entryway/xrpc'
import type { EmailTokenPurpose, EmailTokenStore } from './email-token-store.js'
import { EMAIL_KINDS, type EmailKind, type MailTemplates } from './email-templates.js'
import type { Mailer } from './mailer.js'
import type { DurableJobs, OutboxHandler } from './outbox/outbox-worker.js'

/** The outbox job of a code mail; its key names the account, the purpose and the code's hash. */
export const TOKEN_EMAIL_JOB = 'mail.token'

/**
 * 501: the service has no mail server, so a flow that must mail cannot work. Said at once, where
 * the reference PDS would answer as if it had sent the mail (its `jsonTransport` drops it).
 */
export class EmailNotConfiguredError extends XrpcError {
  override name = 'EmailNotConfiguredError'
  constructor(what: string) {
    super(
      501,
      'MethodNotImplemented',
      `This service cannot send email (no mail server is configured): ${what} is unavailable`,
    )
  }
}

/** A code mail: the code and what it is for; rendered when it is sent. */
export interface TokenEmail {
  did: string
  purpose: EmailTokenPurpose
  kind: EmailKind
  to: string
  handle: string
  token: string
  requestedAt: string
}

export interface TokenEmailsOptions {
  /** `null`: no mail server; flows that must mail answer `EmailNotConfiguredError`. */
  mailer: Mailer | null
  templates: MailTemplates
  emailTokens: EmailTokenStore
  serviceName: string
  /** `{{link}}` in templates. */
  serviceUrl: string
  ttlMs: number
  now: () => number
}

type Log = Pick<FastifyBaseLogger, 'warn' | 'error' | 'info'>

/**
 * Sends the emailed codes. With an outbox, a code mail is recorded first and tried at once: if the
 * mail server is down, the outbox retries it with backoff, and it arrives once the server is back
 * (unless the code was replaced, used or expired meanwhile: then it is dropped). Without an
 * outbox, a failure is the caller's error at once. Never silence.
 */
export class TokenEmails {
  constructor(private readonly o: TokenEmailsOptions) {}

  get enabled(): boolean {
    return this.o.mailer !== null
  }

  /** Throws `EmailNotConfiguredError` when there is no mail server; call before any side effect. */
  assertEnabled(what: string): void {
    if (!this.o.mailer) throw new EmailNotConfiguredError(what)
  }

  /** Sends `mail` now; `queued` when it failed and the outbox will retry it. */
  async send(mail: TokenEmail, outbox: DurableJobs | null, log: Log): Promise<'sent' | 'queued'> {
    this.assertEnabled('email')
    if (!outbox) {
      try {
        await this.o.mailer!.send(this.render(mail))
        return 'sent'
      } catch (err) {
        log.error({ err, purpose: mail.purpose }, 'email could not be sent')
        throw new UpstreamFailureError('Could not send the email, try again later', {
          cause: err,
        })
      }
    }
    const key = tokenEmailKey(mail)
    await outbox.enqueue({
      kind: TOKEN_EMAIL_JOB,
      key,
      payload: mail,
      runAt: new Date(this.o.now()),
    })
    if (await outbox.tryNow(TOKEN_EMAIL_JOB, key)) return 'sent'
    log.warn({ purpose: mail.purpose, key }, 'email not sent yet; the outbox retries it')
    return 'queued'
  }

  /** The outbox's runner of `TOKEN_EMAIL_JOB`: throws to be retried. */
  jobHandler(log: Log): OutboxHandler {
    return async (payload, key) => {
      const mail = parseTokenEmail(payload)
      if (!mail) {
        log.error({ key }, 'outbox mail job without a valid payload; dropped')
        return
      }
      if (!this.o.mailer) throw new Error('no mail server configured')
      // A replaced, used or expired code is not worth a mail; a changed address deletes codes too.
      const live = await this.o.emailTokens.find(mail.did, mail.purpose, mail.token)
      if (!live || Date.parse(live.requestedAt) + this.o.ttlMs <= this.o.now()) {
        log.info(
          { key, purpose: mail.purpose },
          'queued code mail dropped: the code is no longer live',
        )
        return
      }
      await this.o.mailer.send(this.render(mail))
    }
  }

  private render(mail: TokenEmail) {
    return this.o.templates.render(mail.kind, {
      email: mail.to,
      handle: mail.handle,
      code: mail.token,
      serviceName: this.o.serviceName,
      link: this.o.serviceUrl,
      ttlMinutes: String(Math.round(this.o.ttlMs / 60_000)),
    })
  }
}

/** Account, purpose and a hash of the code: a new code is a new job, never the code itself. */
function tokenEmailKey(mail: TokenEmail): string {
  const h = createHash('sha256').update(mail.token).digest('base64url').slice(0, 16)
  return `${mail.did}:${mail.purpose}:${h}`
}

function parseTokenEmail(p: unknown): TokenEmail | null {
  const m = p as Partial<TokenEmail> | null
  if (!m || typeof m !== 'object') return null
  for (const k of ['did', 'purpose', 'kind', 'to', 'handle', 'token', 'requestedAt'] as const)
    if (typeof m[k] !== 'string') return null
  if (!(EMAIL_KINDS as readonly string[]).includes(m.kind!)) return null
  return m as TokenEmail
}

/** The code mails of a session plugin's options. */
export function tokenEmailsOf(o: {
  mailer: Mailer | null
  mailTemplates: MailTemplates
  emailTokens: EmailTokenStore
  serviceName: string
  serviceUrl: string
  emailTokenTtlMs: number
  now: () => number
}): TokenEmails {
  return new TokenEmails({
    mailer: o.mailer,
    templates: o.mailTemplates,
    emailTokens: o.emailTokens,
    serviceName: o.serviceName,
    serviceUrl: o.serviceUrl,
    ttlMs: o.emailTokenTtlMs,
    now: o.now,
  })
}
