import { randomBytes } from 'node:crypto'
import { Secp256k1Keypair } from '@atproto/crypto'

/** A secp256k1 key in the forms the fleet's configuration needs. */
export interface K256KeyForms {
  privateKeyHex: string
  /** Compressed, 66 hex chars (`PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX`). */
  publicKeyHex: string
  /** `did:key:…` (`PDS_ENTRYWAY_PLC_ROTATION_KEY`). */
  did: string
}

/** What a new deployment needs: the Entryway's two keys and admin password, each PDS's own secrets. */
export interface DeploymentKeys {
  jwt: K256KeyForms
  plcRotation: K256KeyForms
  adminPassword: string
  pds: { jwtSecret: string; plcRotationKeyHex: string }[]
}

export const DEFAULT_PDS_COUNT = 2
const SECRET_BYTES = 16

export async function generateK256(): Promise<K256KeyForms> {
  const kp = await Secp256k1Keypair.create({ exportable: true })
  return {
    privateKeyHex: Buffer.from(await kp.export()).toString('hex'),
    publicKeyHex: Buffer.from(kp.publicKeyBytes()).toString('hex'),
    did: kp.did(),
  }
}

export const randomSecret = (bytes = SECRET_BYTES) => randomBytes(bytes).toString('hex')

export async function generateDeploymentKeys(
  pdsCount = DEFAULT_PDS_COUNT,
): Promise<DeploymentKeys> {
  const pds = []
  for (let i = 0; i < pdsCount; i++)
    pds.push({ jwtSecret: randomSecret(), plcRotationKeyHex: (await generateK256()).privateKeyHex })
  return {
    jwt: await generateK256(),
    plcRotation: await generateK256(),
    adminPassword: randomSecret(),
    pds,
  }
}

/**
 * `entryway keys generate`: the gateway's lines, the lines every PDS shares, then each PDS's own,
 * ready to paste into env files.
 */
export function deploymentEnvText(
  keys: DeploymentKeys,
  entryway: { publicUrl: string; did: string },
): string {
  return [
    '# the Entryway (gateway): keep these secret, back them up (DEPLOYING.md)',
    `ENTRYWAY_JWT_SIGNING_KEY_HEX=${keys.jwt.privateKeyHex}`,
    `ENTRYWAY_PLC_ROTATION_KEY_HEX=${keys.plcRotation.privateKeyHex}`,
    `ENTRYWAY_PDS_ADMIN_PASSWORD=${keys.adminPassword}`,
    '',
    '# every PDS of the fleet',
    `PDS_ENTRYWAY_URL=${entryway.publicUrl}`,
    `PDS_ENTRYWAY_DID=${entryway.did}`,
    `PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX=${keys.jwt.publicKeyHex}`,
    `PDS_ENTRYWAY_PLC_ROTATION_KEY=${keys.plcRotation.did}`,
    `PDS_ADMIN_PASSWORD=${keys.adminPassword}`,
    ...keys.pds.flatMap((p, i) => [
      '',
      `# PDS ${i + 1} only`,
      `PDS_JWT_SECRET=${p.jwtSecret}`,
      `PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX=${p.plcRotationKeyHex}`,
    ]),
    '',
  ].join('\n')
}
