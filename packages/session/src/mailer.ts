import nodemailer from 'nodemailer'

export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
}

/** Where the session plugin sends email. SMTP in production, memory in tests. */
export interface Mailer {
  send(msg: MailMessage): Promise<void>
}

/** Keeps every message; tests read them back. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = []
  async send(msg: MailMessage): Promise<void> {
    this.sent.push({ ...msg })
  }
  /** The most recent message to `to`. */
  lastTo(to: string): MailMessage | undefined {
    return this.sent.filter((m) => m.to === to.toLowerCase() || m.to === to).at(-1)
  }
}

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` */
  smtpUrl: string
  from: string
  /** Longest wait to connect, for the greeting, and between socket reads. @default 10000 */
  timeoutMs?: number
}

/** nodemailer over SMTP. The transport pools nothing: one connection per message keeps it simple. */
export class SmtpMailer implements Mailer {
  private readonly transport: nodemailer.Transporter
  constructor(private readonly o: SmtpMailerOptions) {
    // bounded: a request that mails (a 2FA sign-in) must not wait minutes for a silent server
    const timeoutMs = o.timeoutMs ?? 10_000
    this.transport = nodemailer.createTransport({
      url: o.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    })
  }
  async send(msg: MailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.o.from,
      to: msg.to,
      subject: msg.subject,
      text: msg.text,
      html: msg.html,
    })
  }
  close(): void {
    this.transport.close()
  }
}
