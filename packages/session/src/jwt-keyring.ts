import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto'
import {
  formatDidKey,
  parseDidKey,
  SECP256K1_JWT_ALG,
  Secp256k1Keypair,
  verifySignature,
} from '@atproto/crypto'
import { secp256k1 } from '@noble/curves/secp256k1'
import { EntrywayConfigError } from '@entryway/xrpc'

const HEX = /^[0-9a-f]+$/i
const CURVE_N = secp256k1.CURVE.n
const HALF_N = CURVE_N >> 1n

/** OpenSSL KeyObjects for the same keys: ~7× faster than the pure-JS path (see bench/session.ts). */
interface NativeKeys {
  sign: KeyObject
  verify: KeyObject[]
}

/** A key taken out of signing, and when: it verifies only tokens it could have signed before then. */
export interface PreviousKey {
  /** secp256k1 public key in hex (33 or 65 bytes). */
  publicKeyHex: string
  /** When it stopped signing (ms since the epoch, or an ISO 8601 date). */
  rotatedAt: number | string
}

export interface KeyringOptions {
  /**
   * The longest lifetime (`exp - iat`) a token of ours may have; longer ones are refused, and a
   * previous key verifies only until `rotatedAt` + this. @default 90 days (the refresh token's)
   */
  maxTokenLifetimeSec?: number
}

/** The refresh token's lifetime: the longest of any token the Entryway signs. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SEC = 90 * 24 * 60 * 60

/** Verification key with the time (ms) it was rotated out; the signer's is Infinity. */
interface VerifyKey {
  didKey: string
  rotatedAtMs: number
}

/**
 * The Entryway's token keys: one secp256k1 key signs (ES256K), and the keys of earlier
 * rotations still verify until the tokens they signed expire. The private key never leaves
 * this object; `toJSON` shows only public parts so logging it cannot leak a secret.
 */
export class JwtKeyring {
  /** did:key of every key accepted for verification, the signer first. */
  readonly verifyDidKeys: readonly string[]

  private constructor(
    private readonly signer: Secp256k1Keypair,
    private readonly keys: readonly VerifyKey[],
    /** Longest accepted token lifetime (`exp - iat`), seconds. */
    readonly maxTokenLifetimeSec: number,
    private readonly native: NativeKeys | null = null,
  ) {
    this.verifyDidKeys = keys.map((k) => k.didKey)
  }

  /**
   * @param privateKeyHex the signing key (32 bytes hex)
   * @param previous rotated-out keys, each with the time it stopped signing: it verifies tokens
   *   issued before then, and nothing once `maxTokenLifetimeSec` has passed since
   */
  static async fromHex(
    privateKeyHex: string,
    previous: readonly PreviousKey[] = [],
    opts: KeyringOptions = {},
  ): Promise<JwtKeyring> {
    const hex = privateKeyHex.trim()
    if (!HEX.test(hex) || hex.length !== 64) {
      throw new EntrywayConfigError(
        '@entryway/session: the JWT signing key must be 32 bytes of hex',
      )
    }
    const maxLifetime = opts.maxTokenLifetimeSec ?? DEFAULT_MAX_TOKEN_LIFETIME_SEC
    if (!Number.isInteger(maxLifetime) || maxLifetime <= 0)
      throw new EntrywayConfigError(
        '@entryway/session: maxTokenLifetimeSec must be a positive integer',
      )
    // exportable: the OAuth provider signs with the same key through jose (see signingJwk)
    const signer = await Secp256k1Keypair.import(hex, { exportable: true })
    const keys: VerifyKey[] = [
      { didKey: signer.did(), rotatedAtMs: Infinity },
      ...previous.map((p) => ({
        didKey: publicHexToDidKey(p.publicKeyHex),
        rotatedAtMs: rotatedAtMs(p.rotatedAt),
      })),
    ]
    return new JwtKeyring(
      signer,
      keys,
      maxLifetime,
      nativeKeys(
        hex,
        signer,
        keys.map((k) => k.didKey),
      ),
    )
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

  /** ES256K: raw r‖s over sha256, always low-S (the PDS's verifier refuses high-S). */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    if (!this.native) return this.signer.sign(data)
    const sig = nodeSign('sha256', data, { key: this.native.sign, dsaEncoding: 'ieee-p1363' })
    const s = BigInt(`0x${sig.subarray(32).toString('hex')}`)
    if (s > HALF_N) sig.set(Buffer.from((CURVE_N - s).toString(16).padStart(64, '0'), 'hex'), 32)
    return new Uint8Array(sig)
  }

  /**
   * True when an accepted key signed `data` (low-S signatures only). A previous key counts only
   * for a token issued (`iatSec`) before it was rotated out, and only until `maxTokenLifetimeSec`
   * after that: no token it signed can still be valid then.
   */
  async verify(
    data: Uint8Array,
    sig: Uint8Array,
    o: { iatSec?: number; nowMs?: number } = {},
  ): Promise<boolean> {
    const usable = this.usableKeys(o.iatSec, o.nowMs ?? Date.now())
    if (this.native) {
      if (sig.length !== 64) return false
      // Malleated (high-S) twins of a valid signature are refused, as @atproto/crypto does.
      const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`)
      if (s === 0n || s > HALF_N) return false
      for (const i of usable) {
        if (
          nodeVerify(
            'sha256',
            data,
            { key: this.native.verify[i]!, dsaEncoding: 'ieee-p1363' },
            sig,
          )
        )
          return true
      }
      return false
    }
    for (const i of usable) {
      if (
        await verifySignature(this.keys[i]!.didKey, data, sig, { jwtAlg: 'ES256K' }).catch(
          () => false,
        )
      )
        return true
    }
    return false
  }

  /** Indexes of the keys that may have signed a token issued at `iatSec`, as of `nowMs`. */
  private usableKeys(iatSec: number | undefined, nowMs: number): number[] {
    const out: number[] = []
    this.keys.forEach((k, i) => {
      if (k.rotatedAtMs === Infinity) return out.push(i)
      if (nowMs >= k.rotatedAtMs + this.maxTokenLifetimeSec * 1000) return
      if (iatSec !== undefined && iatSec * 1000 > k.rotatedAtMs + CLOCK_SKEW_MS) return
      out.push(i)
    })
    return out
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

  /**
   * Public JWKs of the keys from earlier rotations still within their cutoff at `nowMs` (the
   * signer excluded), oldest last.
   */
  previousPublicJwks(
    nowMs = Date.now(),
  ): Array<{ kty: 'EC'; crv: 'secp256k1'; x: string; y: string }> {
    return this.keys
      .slice(1)
      .filter((k) => nowMs < k.rotatedAtMs + this.maxTokenLifetimeSec * 1000)
      .map((k) => pointToJwk(parseDidKey(k.didKey).keyBytes))
  }

  /**
   * A secret derived from the signing key for one purpose (HMAC-SHA256 over `label`): every instance
   * holding the key derives the same value, with no extra secret to distribute.
   */
  async deriveSecret(label: string): Promise<Uint8Array> {
    return new Uint8Array(
      createHmac('sha256', await this.signer.export())
        .update(label, 'utf8')
        .digest(),
    )
  }

  toJSON() {
    return { publicKeyHex: this.publicKeyHex, verifyKeys: this.verifyDidKeys.length }
  }
}

/** Clock skew allowed between instances when comparing a token's `iat` with a rotation time. */
const CLOCK_SKEW_MS = 5_000

function rotatedAtMs(v: number | string): number {
  const ms = typeof v === 'number' ? v : Date.parse(v)
  if (!Number.isFinite(ms))
    throw new EntrywayConfigError(
      `@entryway/session: a previous key's rotatedAt must be a time, got ${JSON.stringify(v)}`,
    )
  return ms
}

/** A secp256k1 public key (hex, 33 or 65 bytes) as a did:key. */
export function publicHexToDidKey(hex: string): string {
  const h = hex.trim()
  if (!HEX.test(h) || (h.length !== 66 && h.length !== 130)) {
    throw new EntrywayConfigError(
      '@entryway/session: a verify key must be a secp256k1 public key in hex (33 or 65 bytes)',
    )
  }
  // formatDidKey compresses an uncompressed key itself
  return formatDidKey(SECP256K1_JWT_ALG, Buffer.from(h, 'hex'))
}

/** OpenSSL keys when the runtime supports secp256k1 (it does on stock Node); else null (pure JS). */
function nativeKeys(
  privateKeyHex: string,
  signer: Secp256k1Keypair,
  verifyDidKeys: readonly string[],
): NativeKeys | null {
  try {
    const d = Buffer.from(privateKeyHex, 'hex').toString('base64url')
    return {
      sign: createPrivateKey({ key: { ...pointToJwk(signer.publicKeyBytes()), d }, format: 'jwk' }),
      verify: verifyDidKeys.map((k) =>
        createPublicKey({ key: pointToJwk(parseDidKey(k).keyBytes), format: 'jwk' }),
      ),
    }
  } catch {
    return null
  }
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
