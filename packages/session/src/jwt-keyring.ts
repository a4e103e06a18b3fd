import { createHmac } from 'node:crypto'
import { formatDidKey, parseDidKey, SECP256K1_JWT_ALG, Secp256k1Keypair, verifySignature } from '@atproto/crypto'
import { secp256k1 } from '@noble/curves/secp256k1'
import { EntrywayConfigError } from '@entryway/xrpc'

const HEX = /^[0-9a-f]+$/i

/**
 * The Entryway's token keys: one secp256k1 key signs (ES256K), and the keys of earlier
 * rotations still verify until the tokens they signed expire. The private key never leaves
 * this object; `toJSON` shows only public parts so logging it cannot leak a secret.
 */
export class JwtKeyring {
  private constructor(
    private readonly signer: Secp256k1Keypair,
    /** did:key of every key accepted for verification, the signer first. */
    readonly verifyDidKeys: readonly string[],
  ) {}

  /**
   * @param privateKeyHex the signing key (32 bytes hex)
   * @param previousPublicKeysHex public keys (hex, compressed or not) of rotated-out keys
   */
  static async fromHex(privateKeyHex: string, previousPublicKeysHex: readonly string[] = []): Promise<JwtKeyring> {
    const hex = privateKeyHex.trim()
    if (!HEX.test(hex) || hex.length !== 64) {
      throw new EntrywayConfigError('@entryway/session: the JWT signing key must be 32 bytes of hex')
    }
    // exportable: the OAuth provider signs with the same key through jose (see signingJwk)
    const signer = await Secp256k1Keypair.import(hex, { exportable: true })
    const previous = previousPublicKeysHex.map((p) => publicHexToDidKey(p))
    return new JwtKeyring(signer, [signer.did(), ...previous])
  }

  static async generate(): Promise<{ keyring: JwtKeyring; privateKeyHex: string }> {
    const kp = await Secp256k1Keypair.create({ exportable: true })
    const privateKeyHex = Buffer.from(await kp.export()).toString('hex')
    return { keyring: await JwtKeyring.fromHex(privateKeyHex), privateKeyHex }
  }

  /** What each PDS gets as `PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX`. */
  get publicKeyHex(): string {
    return this.signer.publicKeyStr('hex')
  }

  get did(): string {
    return this.signer.did()
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    return this.signer.sign(data)
  }

  /** True when any accepted key signed `data` (low-S signatures only). */
  async verify(data: Uint8Array, sig: Uint8Array): Promise<boolean> {
    for (const didKey of this.verifyDidKeys) {
      if (await verifySignature(didKey, data, sig, { jwtAlg: 'ES256K' }).catch(() => false)) return true
    }
    return false
  }

  /**
   * The signing key as a private JWK (no `kid`), for the OAuth provider, which signs through jose:
   * OAuth access tokens must be signed by the key every PDS already trusts. Hand it only to code that
   * signs; never log it.
   */
  async signingJwk(): Promise<{ kty: 'EC'; crv: 'secp256k1'; x: string; y: string; d: string }> {
    const d = await this.signer.export()
    return { ...pointToJwk(this.signer.publicKeyBytes()), d: Buffer.from(d).toString('base64url') }
  }

  /** Public JWKs of the keys from earlier rotations (the signer excluded), oldest last. */
  previousPublicJwks(): Array<{ kty: 'EC'; crv: 'secp256k1'; x: string; y: string }> {
    return this.verifyDidKeys.slice(1).map((didKey) => pointToJwk(parseDidKey(didKey).keyBytes))
  }

  /**
   * A secret derived from the signing key for one purpose (HMAC-SHA256 over `label`): every instance
   * holding the key derives the same value, with no extra secret to distribute.
   */
  async deriveSecret(label: string): Promise<Uint8Array> {
    return new Uint8Array(createHmac('sha256', await this.signer.export()).update(label, 'utf8').digest())
  }

  toJSON() {
    return { publicKeyHex: this.publicKeyHex, verifyKeys: this.verifyDidKeys.length }
  }
}

/** A secp256k1 public key (hex, 33 or 65 bytes) as a did:key. */
export function publicHexToDidKey(hex: string): string {
  const h = hex.trim()
  if (!HEX.test(h) || (h.length !== 66 && h.length !== 130)) {
    throw new EntrywayConfigError('@entryway/session: a verify key must be a secp256k1 public key in hex (33 or 65 bytes)')
  }
  // formatDidKey compresses an uncompressed key itself
  return formatDidKey(SECP256K1_JWT_ALG, Buffer.from(h, 'hex'))
}


function pointToJwk(publicKey: Uint8Array): { kty: 'EC'; crv: 'secp256k1'; x: string; y: string } {
  const unc = secp256k1.ProjectivePoint.fromHex(publicKey).toRawBytes(false)
  return {
    kty: 'EC',
    crv: 'secp256k1',
    x: Buffer.from(unc.subarray(1, 33)).toString('base64url'),
    y: Buffer.from(unc.subarray(33)).toString('base64url'),
  }
}
