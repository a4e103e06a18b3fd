import { randomBytes } from 'node:crypto'
import { Secp256k1Keypair } from '@atproto/crypto'

/** A secp256k1 key in the three forms the fleet's configuration needs. */
export interface K256Key {
  /** 32-byte private key, hex (the gateway's `ENTRYWAY_*_KEY_HEX`). */
  privateKeyHex: string
  /** Compressed public key, hex (66 chars; the PDS's `PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX`). */
  publicKeyHex: string
  /** `did:key:…` (the PDS's `PDS_ENTRYWAY_PLC_ROTATION_KEY`). */
  did: string
}

export async function generateK256Key(): Promise<K256Key> {
  const kp = await Secp256k1Keypair.create({ exportable: true })
  return describe(kp)
}

export async function k256KeyFromHex(privateKeyHex: string): Promise<K256Key> {
  return describe(await Secp256k1Keypair.import(privateKeyHex, { exportable: true }))
}

async function describe(kp: Secp256k1Keypair): Promise<K256Key> {
  return {
    privateKeyHex: Buffer.from(await kp.export()).toString('hex'),
    publicKeyHex: Buffer.from(kp.publicKeyBytes()).toString('hex'),
    did: kp.did(),
  }
}

/** The Entryway's two keys: it signs session JWTs with one and PLC operations with the other. */
export interface EntrywayKeys {
  jwt: K256Key
  plcRotation: K256Key
}

export async function generateEntrywayKeys(): Promise<EntrywayKeys> {
  return { jwt: await generateK256Key(), plcRotation: await generateK256Key() }
}

/** A random hex secret (passwords, PDS JWT secrets). */
export function randomSecret(bytes = 16): string {
  return randomBytes(bytes).toString('hex')
}
