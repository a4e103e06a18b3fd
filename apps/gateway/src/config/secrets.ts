import { readFileSync } from 'node:fs'
import { checkRequired, type ServerEnvironment } from './env.js'
import { privateKeyHex } from './env-types.js'
import { ProblemList } from './problems.js'

/** Secrets live apart from the config so nothing that logs the config can print them. */
export interface ServerSecrets {
  jwtSigningKeyHex: string
  jwtPreviousPublicKeysHex: string[]
  plcRotationKeyHex: string
  pdsAdminPassword: string
}

/** The secrets, or every problem with them at once. */
export function envToSecrets(env: ServerEnvironment): ServerSecrets {
  const problems = new ProblemList()
  const secrets = buildSecrets(env, problems)
  problems.throwIfAny()
  return secrets
}

/** `envToSecrets` that reports to `problems` instead of throwing. */
export function buildSecrets(env: ServerEnvironment, problems: ProblemList): ServerSecrets {
  checkRequired(env, problems)
  return {
    jwtSigningKeyHex: env.jwtSigningKeyHex ?? readKeyFile('ENTRYWAY_JWT_SIGNING_KEY_FILE', env.jwtSigningKeyFile, problems) ?? '',
    jwtPreviousPublicKeysHex: env.jwtPreviousPublicKeysHex ?? [],
    plcRotationKeyHex: env.plcRotationKeyHex ?? readKeyFile('ENTRYWAY_PLC_ROTATION_KEY_FILE', env.plcRotationKeyFile, problems) ?? '',
    pdsAdminPassword: env.pdsAdminPassword ?? '',
  }
}

function readKeyFile(name: string, path: string | undefined, problems: ProblemList): string | undefined {
  if (!path) return undefined
  let raw: string
  try {
    raw = readFileSync(path, 'utf8')
  } catch (err) {
    problems.add(name, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, '/run/secrets/entryway-key')
    return undefined
  }
  try {
    return privateKeyHex.parse(raw)
  } catch (err) {
    problems.add(name, `${path}: ${(err as Error).message}`, '/run/secrets/entryway-key')
    return undefined
  }
}
