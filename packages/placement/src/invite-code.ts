import { randomBytes } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

function chunk(len: number): string {
  const bytes = randomBytes(len)
  let s = ''
  for (const b of bytes) s += ALPHABET[b & 31]
  return s
}

/** `<prefix>-xxxxx-xxxxx`, the PDS's shape (50 bits of randomness). */
export function generateInviteCode(prefix: string): string {
  return `${prefix}-${chunk(5)}-${chunk(5)}`
}
