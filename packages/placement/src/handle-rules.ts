import { InvalidHandleError, isValidTld, normalizeAndEnsureValidHandle } from '@atproto/syntax'
import { InvalidRequestError } from '@entryway/xrpc'

export const HANDLE_LABEL_MIN = 3
export const HANDLE_LABEL_MAX = 18

/** Lower-cases and checks handle syntax; `InvalidHandle` (400) otherwise. */
export function normalizeHandle(input: unknown): string {
  if (typeof input !== 'string')
    throw new InvalidRequestError('Handle is required', 'InvalidHandle')
  try {
    return normalizeAndEnsureValidHandle(input)
  } catch (err) {
    if (err instanceof InvalidHandleError)
      throw new InvalidRequestError(err.message, 'InvalidHandle')
    throw err
  }
}

/** The service domain a handle sits under (domains start with a dot), or null. */
export function serviceDomainOf(handle: string, domains: readonly string[]): string | null {
  return domains.find((d) => handle.endsWith(d)) ?? null
}

/**
 * Rules for a handle under a service domain: one label of 3–18 characters that is not reserved.
 * Reserved names are `HandleNotAvailable`, as the PDS reports them.
 */
export function assertServiceHandle(
  handle: string,
  domain: string,
  reserved: ReadonlySet<string>,
): void {
  const front = handle.slice(0, handle.length - domain.length)
  if (front.includes('.'))
    throw new InvalidRequestError('Invalid characters in handle', 'InvalidHandle')
  if (front.length < HANDLE_LABEL_MIN)
    throw new InvalidRequestError('Handle too short', 'InvalidHandle')
  if (front.length > HANDLE_LABEL_MAX)
    throw new InvalidRequestError('Handle too long', 'InvalidHandle')
  if (reserved.has(front)) throw new InvalidRequestError('Reserved handle', 'HandleNotAvailable')
}

/** Sign-up handles must be on a service domain (custom domains come after, via updateHandle). */
export function validateSignupHandle(
  input: unknown,
  domains: readonly string[],
  reserved: ReadonlySet<string>,
): string {
  const handle = normalizeHandle(input)
  const domain = serviceDomainOf(handle, domains)
  if (!domain) throw new InvalidRequestError('Not a supported handle domain', 'UnsupportedDomain')
  assertServiceHandle(handle, domain, reserved)
  return handle
}

/** A custom (non-service) handle must have an allowed TLD; resolution is checked by the caller. */
export function assertCustomHandle(handle: string): void {
  if (!isValidTld(handle))
    throw new InvalidRequestError('Handle TLD is invalid or disallowed', 'InvalidHandle')
}
