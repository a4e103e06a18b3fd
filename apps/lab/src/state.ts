import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateK256Key, k256KeyFromHex, randomSecret, type EntrywayKeys } from '@entryway/testkit'

/** What the lab generates once and keeps in `<dir>/secrets.json` (mode 0600). */
export interface LabSecrets {
  jwtSigningKeyHex: string
  plcRotationKeyHex: string
  adminPassword: string
  pds: { jwtSecret: string; plcRotationKeyHex: string }[]
  /** Ports chosen on the first start, reused so DIDs and URLs stay the same. */
  ports: Partial<Record<string, number>>
}

export const SECRETS_FILE = 'secrets.json'

export async function loadOrCreateSecrets(
  dir: string,
  pdsCount: number,
): Promise<{ secrets: LabSecrets; created: boolean }> {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, SECRETS_FILE)
  let secrets: LabSecrets
  let created = false
  if (existsSync(file)) {
    secrets = JSON.parse(readFileSync(file, 'utf8')) as LabSecrets
    secrets.ports ??= {}
  } else {
    created = true
    secrets = {
      jwtSigningKeyHex: (await generateK256Key()).privateKeyHex,
      plcRotationKeyHex: (await generateK256Key()).privateKeyHex,
      adminPassword: randomSecret(12),
      pds: [],
      ports: {},
    }
  }
  while (secrets.pds.length < pdsCount) {
    secrets.pds.push({
      jwtSecret: randomSecret(),
      plcRotationKeyHex: (await generateK256Key()).privateKeyHex,
    })
  }
  saveSecrets(dir, secrets)
  return { secrets, created }
}

export function saveSecrets(dir: string, secrets: LabSecrets) {
  writeFileSync(join(dir, SECRETS_FILE), JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
}

export async function entrywayKeys(secrets: LabSecrets): Promise<EntrywayKeys> {
  return {
    jwt: await k256KeyFromHex(secrets.jwtSigningKeyHex),
    plcRotation: await k256KeyFromHex(secrets.plcRotationKeyHex),
  }
}
