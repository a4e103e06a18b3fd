import { InvalidRequestError } from '@entryway/xrpc'

/**
 * A modest default of well-known disposable-mail services (throwaway inboxes anyone can read).
 * Operators replace it with their own file (one domain a line) for a fuller list.
 */
export const DEFAULT_DISPOSABLE_EMAIL_DOMAINS: readonly string[] = [
  '10minutemail.com',
  '10minutemail.net',
  '1secmail.com',
  '1secmail.net',
  '1secmail.org',
  'burnermail.io',
  'discard.email',
  'dispostable.com',
  'emailfake.com',
  'emailondeck.com',
  'fakeinbox.com',
  'fakemail.net',
  'getairmail.com',
  'getnada.com',
  'grr.la',
  'guerrillamail.biz',
  'guerrillamail.com',
  'guerrillamail.de',
  'guerrillamail.info',
  'guerrillamail.net',
  'guerrillamail.org',
  'guerrillamailblock.com',
  'inboxkitten.com',
  'mail.tm',
  'mailcatch.com',
  'maildrop.cc',
  'mailinator.com',
  'mailinator.net',
  'mailnesia.com',
  'mailpoof.com',
  'mintemail.com',
  'moakt.com',
  'mohmal.com',
  'mytemp.email',
  'nada.email',
  'sharklasers.com',
  'spambox.us',
  'spamgourmet.com',
  'tempail.com',
  'tempinbox.com',
  'tempmail.com',
  'tempmail.net',
  'temp-mail.org',
  'tempr.email',
  'throwawaymail.com',
  'tmpmail.net',
  'tmpmail.org',
  'trashmail.com',
  'trashmail.de',
  'trashmail.net',
  'yopmail.com',
  'yopmail.fr',
  'yopmail.net',
]

/** A block-list file: one domain a line; blank lines and `#` comments ignored. */
export function parseEmailBlocklist(text: string): Set<string> {
  const out = new Set<string>()
  for (const line of text.split(/\r?\n/)) {
    const d = line.replace(/#.*/, '').trim().toLowerCase().replace(/^@/, '').replace(/\.$/, '')
    if (d) out.add(d)
  }
  return out
}

/** `InvalidEmail` (400) when the address's domain, or a domain it is under, is blocked. */
export function assertEmailNotBlocked(blocked: ReadonlySet<string>, email: unknown): void {
  if (typeof email !== 'string' || blocked.size === 0) return
  const labels = email
    .trim()
    .toLowerCase()
    .slice(email.lastIndexOf('@') + 1)
    .split('.')
  for (let i = 0; i < labels.length - 1; i++) {
    if (blocked.has(labels.slice(i).join('.'))) {
      throw new InvalidRequestError(
        'Disposable email addresses are not accepted here, please use a different email.',
        'InvalidEmail',
      )
    }
  }
}
