import { createHash } from 'node:crypto'

export const SCOPE_REF_PREFIX = 'ref:'
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
// CIDv1, raw codec, sha2-256 multihash header
const CID_HEADER = Uint8Array.of(0x01, 0x55, 0x12, 0x20)

/** The reference id of a scope: the CIDv1 (raw, sha2-256, base32) of its text, as the PDS expects. */
export function scopeRefId(scope: string): string {
  const digest = createHash('sha256').update(scope, 'utf8').digest()
  return `b${base32(Buffer.concat([CID_HEADER, digest]))}`
}

export function isScopeRef(scope: string | undefined): scope is `ref:${string}` {
  return scope !== undefined && scope.startsWith(SCOPE_REF_PREFIX) && !scope.includes(' ')
}

function base32(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out
}
