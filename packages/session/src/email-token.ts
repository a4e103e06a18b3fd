import { randomBytes } from 'node:crypto'

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
/** Email codes expire after 15 minutes, as in the PDS. */
export const DEFAULT_EMAIL_TOKEN_TTL_MS = 15 * 60 * 1000

/** A short code a person can type: `XXXXX-XXXXX` in base32, like the PDS's getRandomToken. */
export function generateEmailToken(): string {
  const bytes = randomBytes(10)
  let s = ''
  for (const b of bytes) s += BASE32[b & 31]
  return `${s.slice(0, 5)}-${s.slice(5, 10)}`.toUpperCase()
}

/** Codes are compared upper-cased and trimmed, so `abcde-fghij ` works too. */
export function normalizeEmailToken(token: string): string {
  return token.trim().toUpperCase()
}

/** App passwords look like the PDS's: `xxxx-xxxx-xxxx-xxxx`. */
export function generateAppPassword(): string {
  const bytes = randomBytes(16)
  let s = ''
  for (const b of bytes) s += BASE32[b & 31]
  return [s.slice(0, 4), s.slice(4, 8), s.slice(8, 12), s.slice(12, 16)].join('-')
}
