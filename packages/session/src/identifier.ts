/**
 * The one spelling of a sign-in identifier (handle, email or DID): account lookups and the
 * limiter keys both go through it, so a respelling (`" Alice.Test"`) finds the same account and
 * counts against the same limit.
 */
export function normalizeIdentifier(identifier: string): string {
  return identifier.trim().toLowerCase()
}
