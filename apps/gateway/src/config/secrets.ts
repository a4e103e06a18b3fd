import { readFileSync } from 'node:fs'
import { EntrywayConfigError } from '@entryway/xrpc'
import type { ServerEnvironment } from './env.js'

/** Secrets live apart from the config so nothing that logs the config can print them. */
export interface ServerSecrets {
  jwtSigningKeyHex: string
  jwtPreviousPublicKeysHex: string[]
  plcRotationKeyHex: string
  pdsAdminPassword: string
}

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
  }
}

function readKeyFile(path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new EntrywayConfigError(`cannot read key file ${path}`, { cause: err })
  }
}
