import { hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { EntrywayConfigError } from '@entryway/xrpc'
import type { ServerEnvironment } from './env.js'

/** Secrets live apart from the config so nothing that logs the config can print them. */
export interface ServerSecrets {
  jwtSigningKeyHex: string
  jwtPreviousPublicKeysHex: string[]
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
    jwtPreviousPublicKeysHex: env.jwtPreviousPublicKeysHex ?? [],
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

function readKeyFile(path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new EntrywayConfigError(`cannot read key file ${path}`, { cause: err })
  }
}
