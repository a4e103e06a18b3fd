import { InvalidRequestError } from '@entryway/xrpc'

export const EMAIL_MAX_LENGTH = 254
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/**
 * Lower-cased address when its form is plausible (RFC 5321 lengths, dot-atom local part, a dotted
 * domain of DNS labels, alphabetic TLD); `InvalidEmail` (400) otherwise.
 */
export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0)
    throw new InvalidRequestError('Email is required', 'InvalidEmail')
  const email = input.trim().toLowerCase()
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  const domain = email.slice(at + 1)
  const labels = domain.split('.')
  const ok =
    email.length <= EMAIL_MAX_LENGTH &&
    at > 0 &&
    local.length <= 64 &&
    LOCAL_PART.test(local) &&
    labels.length >= 2 &&
    labels.every((l) => DOMAIN_LABEL.test(l)) &&
    /^[a-z]{2,63}$/.test(labels.at(-1)!)
  if (!ok)
    throw new InvalidRequestError(
      'This email address is not supported, please use a different email.',
      'InvalidEmail',
    )
  return email
}
