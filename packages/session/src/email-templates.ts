import { EntrywayConfigError } from '@entryway/xrpc'
import type { MailMessage } from './mailer.js'

/** Every mail the Entryway sends on its own; also the file names of an operator's overrides. */
export const EMAIL_KINDS = [
  'confirmEmail',
  'updateEmail',
  'resetPassword',
  'deleteAccount',
  'plcOperation',
  'signInCode',
  'signupQueue',
] as const
export type EmailKind = (typeof EMAIL_KINDS)[number]

/** The three parts of a mail; an override may replace any of them. */
export const MAIL_PARTS = ['subject', 'text', 'html'] as const
export type MailPart = (typeof MAIL_PARTS)[number]
export type MailTemplate = Record<MailPart, string>
export type MailTemplateOverrides = Partial<Record<EmailKind, Partial<MailTemplate>>>

/**
 * What a template may name as `{{name}}`: `link` is the service's public URL, `email` the
 * recipient; `code` and `ttlMinutes` are empty in mails without a code (signupQueue).
 */
export const MAIL_PLACEHOLDERS = [
  'code',
  'serviceName',
  'handle',
  'link',
  'ttlMinutes',
  'email',
] as const
export type MailPlaceholder = (typeof MAIL_PLACEHOLDERS)[number]
export type MailVars = Record<MailPlaceholder, string>

const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

interface CodeCopy {
  subject: string
  intro: string
  outro: string
}

const CODE_COPY: Record<Exclude<EmailKind, 'signupQueue'>, CodeCopy> = {
  confirmEmail: {
    subject: 'Confirm your email',
    intro: 'Use this code to confirm the email address of your account',
    outro: 'If you did not ask for this, you can ignore this email.',
  },
  updateEmail: {
    subject: 'Change your email',
    intro: 'Use this code to change the email address of your account',
    outro:
      'If you did not ask for this, someone may have access to your account: change your password.',
  },
  resetPassword: {
    subject: 'Reset your password',
    intro: 'Use this code to reset the password of your account',
    outro:
      'If you did not ask for a password reset, you can ignore this email; your password is unchanged.',
  },
  deleteAccount: {
    subject: 'Delete your account',
    intro:
      'Use this code to confirm that you want to delete your account. Deletion cannot be undone',
    outro: 'If you did not ask for this, do not share this code and change your password.',
  },
  plcOperation: {
    subject: 'Confirm an identity change',
    intro:
      'Use this code to confirm a change to your identity (DID document), for example moving your account',
    outro: 'If you did not ask for this, do not share this code and change your password.',
  },
  signInCode: {
    subject: 'Your sign-in code',
    intro: 'Someone is signing in to your account. Enter this code to finish signing in',
    outro: 'If this was not you, do not share this code and change your password.',
  },
}

function codeTemplate(c: CodeCopy): MailTemplate {
  return {
    subject: `${c.subject} – {{serviceName}}`,
    text: [
      'Hello @{{handle}},',
      '',
      `${c.intro} on {{serviceName}}:`,
      '',
      '    {{code}}',
      '',
      'The code works once and expires in {{ttlMinutes}} minutes.',
      c.outro,
      '',
      '— {{serviceName}}',
    ].join('\n'),
    html: `<p>Hello @{{handle}},</p><p>${esc(c.intro)} on {{serviceName}}:</p><p style="font-size:24px;font-family:monospace;letter-spacing:2px"><strong>{{code}}</strong></p><p>The code works once and expires in {{ttlMinutes}} minutes. ${esc(c.outro)}</p><p>— {{serviceName}}</p>`,
  }
}

/** The built-in copy of every kind. */
export const BUILT_IN_TEMPLATES: Readonly<Record<EmailKind, Readonly<MailTemplate>>> =
  Object.freeze({
    ...(Object.fromEntries(
      Object.entries(CODE_COPY).map(([kind, copy]) => [kind, Object.freeze(codeTemplate(copy))]),
    ) as Record<Exclude<EmailKind, 'signupQueue'>, MailTemplate>),
    signupQueue: Object.freeze({
      subject: 'You can sign in now – {{serviceName}}',
      text: [
        'Hello @{{handle}},',
        '',
        'Your account on {{serviceName}} is ready: you are off the sign-up queue and can sign in now.',
        '',
        '    {{link}}',
        '',
        '— {{serviceName}}',
      ].join('\n'),
      html: '<p>Hello @{{handle}},</p><p>Your account on {{serviceName}} is ready: you are off the sign-up queue and can sign in now.</p><p><a href="{{link}}">{{link}}</a></p><p>— {{serviceName}}</p>',
    }),
  })

/** The `{{names}}` of a template that are not placeholders (a typo, or another tool's syntax). */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(MAIL_PLACEHOLDERS)
  const out = new Set<string>()
  for (const m of template.matchAll(PLACEHOLDER)) if (!known.has(m[1]!)) out.add(m[1]!)
  return [...out]
}

function fill(template: string, vars: MailVars, escape: (s: string) => string): string {
  return template.replace(PLACEHOLDER, (_, name: string) =>
    escape(vars[name as MailPlaceholder] ?? ''),
  )
}

/**
 * The mails the Entryway sends: the built-in copy with an operator's overrides on top, each part
 * on its own (an override of only the subject keeps the built-in bodies). Placeholders are
 * checked here, so a bad override stops the start instead of a mail.
 */
export class MailTemplates {
  private readonly templates: Record<EmailKind, MailTemplate>

  constructor(overrides: MailTemplateOverrides = {}) {
    const problems: string[] = []
    const templates = {} as Record<EmailKind, MailTemplate>
    for (const kind of EMAIL_KINDS) templates[kind] = { ...BUILT_IN_TEMPLATES[kind] }
    for (const [kind, parts] of Object.entries(overrides)) {
      if (!(EMAIL_KINDS as readonly string[]).includes(kind)) {
        problems.push(`unknown mail kind ${JSON.stringify(kind)}`)
        continue
      }
      for (const [part, template] of Object.entries(parts ?? {})) {
        if (!(MAIL_PARTS as readonly string[]).includes(part) || typeof template !== 'string') {
          problems.push(`${kind}: unknown part ${JSON.stringify(part)}`)
          continue
        }
        const unknown = unknownPlaceholders(template)
        if (unknown.length)
          problems.push(
            `${kind}.${part}: unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(', ')}`,
          )
        templates[kind as EmailKind][part as MailPart] = template
      }
    }
    if (problems.length)
      throw new EntrywayConfigError(`@entryway/session: mail templates: ${problems.join('; ')}`)
    this.templates = templates
  }

  /** A mail of `kind` to `vars.email`, placeholders filled (HTML-escaped in the HTML part). */
  render(kind: EmailKind, vars: MailVars): MailMessage {
    const t = this.templates[kind]
    return {
      to: vars.email,
      // one header line, whatever a value holds
      subject: fill(t.subject, vars, (s) => s)
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      text: fill(t.text, vars, (s) => s),
      html: fill(t.html, vars, esc),
    }
  }
}

const BUILT_IN = new MailTemplates()

/** A code mail in the built-in copy (no link). */
export function renderTokenEmail(
  kind: EmailKind,
  o: { to: string; serviceName: string; handle: string; token: string; ttlMinutes: number },
): MailMessage {
  return BUILT_IN.render(kind, {
    email: o.to,
    serviceName: o.serviceName,
    handle: o.handle,
    code: o.token,
    ttlMinutes: String(o.ttlMinutes),
    link: '',
  })
}

/** A moderator's message (admin.sendEmail), sent as written with the service named. */
export function renderModeratorEmail(o: {
  to: string
  serviceName: string
  subject?: string
  content: string
}): MailMessage {
  // One header line: a moderator's subject cannot add headers.
  const subject = o.subject?.replace(/[\r\n]+/g, ' ').trim() || `Message from ${o.serviceName}`
  return {
    to: o.to,
    subject,
    text: `${o.content}\n\n— ${o.serviceName}`,
    html: `<div>${esc(o.content).replace(/\n/g, '<br>')}</div><p>— ${esc(o.serviceName)}</p>`,
  }
}
