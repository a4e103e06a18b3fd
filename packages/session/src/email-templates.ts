import type { MailMessage } from './mailer.js'

export type EmailKind =
  'confirmEmail' | 'updateEmail' | 'resetPassword' | 'deleteAccount' | 'plcOperation' | 'signInCode'

const COPY: Record<EmailKind, { subject: string; intro: string; outro: string }> = {
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

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A short, plain message naming the service, the handle and the code, valid 15 minutes. */
export function renderTokenEmail(
  kind: EmailKind,
  o: { to: string; serviceName: string; handle: string; token: string; ttlMinutes: number },
): MailMessage {
  const c = COPY[kind]
  const subject = `${c.subject} – ${o.serviceName}`
  const text = [
    `Hello @${o.handle},`,
    '',
    `${c.intro} on ${o.serviceName}:`,
    '',
    `    ${o.token}`,
    '',
    `The code works once and expires in ${o.ttlMinutes} minutes.`,
    c.outro,
    '',
    `— ${o.serviceName}`,
  ].join('\n')
  const html = `<p>Hello @${esc(o.handle)},</p><p>${esc(c.intro)} on ${esc(o.serviceName)}:</p><p style="font-size:24px;font-family:monospace;letter-spacing:2px"><strong>${esc(o.token)}</strong></p><p>The code works once and expires in ${o.ttlMinutes} minutes. ${esc(c.outro)}</p><p>— ${esc(o.serviceName)}</p>`
  return { to: o.to, subject, text, html }
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
