import { hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { EntrywayConfigError } from '@entryway/xrpc'
import type { PreviousKey } from '@entryway/session'
import type { ServerEnvironment } from './env.js'

/** Secrets live apart from the config so nothing that logs the config can print them. */
export interface ServerSecrets {
  jwtSigningKeyHex: string
  /** Rotated-out JWT keys with the time each stopped signing (`<hex>@<ISO 8601 time>`). */
  jwtPreviousKeys: PreviousKey[]
  plcRotationKeyHex: string
  pdsAdminPassword: string
  /**
   * HMAC key of the admin audit chain: `ENTRYWAY_ADMIN_AUDIT_KEY_HEX` (or `_FILE`), else derived
   * from the JWT key. Never stored in the database, so write access to it cannot re-chain an edit.
   */
  adminAuditKey: Buffer
}

/** Bytes of the audit key (HMAC-SHA256). */
export const ADMIN_AUDIT_KEY_BYTES = 32

export function envToSecrets(env: ServerEnvironment): ServerSecrets {
  const jwt = env.jwtSigningKeyHex ?? readKeyFile(env.jwtSigningKeyFile)
  const rot = env.plcRotationKeyHex ?? readKeyFile(env.plcRotationKeyFile)
  if (!jwt) throw new EntrywayConfigError('ENTRYWAY_JWT_SIGNING_KEY_HEX (or _FILE) is required')
  if (!rot) throw new EntrywayConfigError('ENTRYWAY_PLC_ROTATION_KEY_HEX (or _FILE) is required')
  if (!env.pdsAdminPassword) throw new EntrywayConfigError('ENTRYWAY_PDS_ADMIN_PASSWORD is required')
  return {
    jwtSigningKeyHex: jwt,
    jwtPreviousKeys: (env.jwtPreviousPublicKeysHex ?? []).map(parsePreviousKey),
    plcRotationKeyHex: rot,
    pdsAdminPassword: env.pdsAdminPassword,
    adminAuditKey: auditKeyOf(env.adminAuditKeyHex ?? readKeyFile(env.adminAuditKeyFile), jwt),
  }
}

function auditKeyOf(hex: string | undefined, jwtKeyHex: string): Buffer {
  if (hex !== undefined) {
    if (!new RegExp(`^[0-9a-fA-F]{${ADMIN_AUDIT_KEY_BYTES * 2},}$`).test(hex)) {
      throw new EntrywayConfigError(`ENTRYWAY_ADMIN_AUDIT_KEY_HEX must be at least ${ADMIN_AUDIT_KEY_BYTES} bytes of hex`)
    }
    return Buffer.from(hex, 'hex')
  }
  // derived like the other shared secrets: every instance computes the same key
  return Buffer.from(hkdfSync('sha256', Buffer.from(jwtKeyHex, 'hex'), 'entryway', 'admin audit chain', ADMIN_AUDIT_KEY_BYTES))
}

/**
 * `<public key hex>@<time it stopped signing>`: the time is required, so a previous key verifies
 * only the tokens it signed, and only while they can still be valid (DEFAULT_MAX_TOKEN_LIFETIME_SEC
 * after the rotation), never forever.
 */
export function parsePreviousKey(entry: string): PreviousKey {
  const at = entry.lastIndexOf('@')
  const publicKeyHex = at < 0 ? entry : entry.slice(0, at)
  const when = at < 0 ? '' : entry.slice(at + 1).trim()
  if (!when || !Number.isFinite(Date.parse(when))) {
    throw new EntrywayConfigError('ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX: each entry is <public key hex>@<ISO 8601 time it stopped signing>, e.g. 02ab…@2026-12-01T00:00:00Z')
  }
  return { publicKeyHex: publicKeyHex.trim(), rotatedAt: when }
}

function readKeyFile(path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new EntrywayConfigError(`cannot read key file ${path}`, { cause: err })
  }
}
