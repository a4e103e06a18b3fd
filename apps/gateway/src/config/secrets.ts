import { createHmac, hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { PreviousKey } from '@entryway/session'
import { EntrywayConfigError } from '@entryway/xrpc'
import { checkRequired, type ServerEnvironment } from './env.js'
import { privateKeyHex } from './env-types.js'
import { ProblemList } from './problems.js'

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
  /** Signs the admin portal cookie: `ENTRYWAY_ADMIN_COOKIE_SECRET`, else derived from the JWT key. */
  adminCookieSecret: string
  /** Keys the OAuth server's DPoP nonces: `ENTRYWAY_OAUTH_DPOP_SECRET_HEX`, else derived from the JWT key. */
  oauthDpopSecret: Uint8Array
  /** Recognises a retried createAccount: `ENTRYWAY_SIGNUP_REQUEST_KEY_HEX`, else derived from the JWT key. */
  signupRequestKey: Uint8Array
}

/** Characters of an operator-set admin cookie secret, at least. */
export const MIN_ADMIN_COOKIE_SECRET_LENGTH = 32

/** Bytes of the audit key (HMAC-SHA256). */
export const ADMIN_AUDIT_KEY_BYTES = 32

/** Bytes of the DPoP nonce key (what the OAuth server takes). */
export const OAUTH_DPOP_SECRET_BYTES = 32
/** Derivation label of the DPoP nonce key (HMAC-SHA256 of the JWT key over it). */
export const OAUTH_DPOP_SECRET_LABEL = 'entryway/oauth/dpop-nonce/v1'

/** Bytes of an operator-set sign-up request key, at least. */
export const MIN_SIGNUP_REQUEST_KEY_BYTES = 32

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
  const jwt =
    env.jwtSigningKeyHex ??
    readKeyFile('ENTRYWAY_JWT_SIGNING_KEY_FILE', env.jwtSigningKeyFile, problems) ??
    ''
  const previous: PreviousKey[] = []
  for (const entry of env.jwtPreviousPublicKeysHex ?? []) {
    try {
      previous.push(parsePreviousKey(entry))
    } catch (err) {
      problems.add(
        'ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX',
        (err as Error).message.replace(/^ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX:\s*/, ''),
        '02<64 hex chars>@2026-12-01T00:00:00Z',
      )
    }
  }
  return {
    jwtSigningKeyHex: jwt,
    jwtPreviousKeys: previous,
    plcRotationKeyHex:
      env.plcRotationKeyHex ??
      readKeyFile('ENTRYWAY_PLC_ROTATION_KEY_FILE', env.plcRotationKeyFile, problems) ??
      '',
    pdsAdminPassword: env.pdsAdminPassword ?? '',
    adminCookieSecret: cookieSecretOf(env.adminCookieSecret, jwt, problems),
    oauthDpopSecret:
      ownHexKey(
        'ENTRYWAY_OAUTH_DPOP_SECRET_HEX',
        env.oauthDpopSecretHex,
        { min: OAUTH_DPOP_SECRET_BYTES, max: OAUTH_DPOP_SECRET_BYTES },
        problems,
      ) ?? dpopSecretFromJwtKey(jwt),
    signupRequestKey:
      ownHexKey(
        'ENTRYWAY_SIGNUP_REQUEST_KEY_HEX',
        env.signupRequestKeyHex,
        { min: MIN_SIGNUP_REQUEST_KEY_BYTES },
        problems,
      ) ?? signupRequestKeyFromJwtKey(jwt),
    adminAuditKey: auditKeyOf(
      env.adminAuditKeyHex ??
        readKeyFile('ENTRYWAY_ADMIN_AUDIT_KEY_FILE', env.adminAuditKeyFile, problems, 'hex'),
      jwt,
      problems,
    ),
  }
}

function cookieSecretOf(
  secret: string | undefined,
  jwtKeyHex: string,
  problems: ProblemList,
): string {
  if (secret !== undefined) {
    if (secret.length >= MIN_ADMIN_COOKIE_SECRET_LENGTH) return secret
    problems.add(
      'ENTRYWAY_ADMIN_COOKIE_SECRET',
      `must be at least ${MIN_ADMIN_COOKIE_SECRET_LENGTH} characters`,
      '<64 hex chars>',
    )
  }
  // derived, so every instance signs alike and a restart keeps sessions
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(jwtKeyHex, 'hex'), 'entryway', 'admin portal cookie', 32),
  ).toString('base64url')
}

/** An operator-set key of `min`–`max` bytes of hex, or undefined (unset, or wrong: a problem). */
function ownHexKey(
  name: string,
  hex: string | undefined,
  bytes: { min: number; max?: number },
  problems: ProblemList,
): Uint8Array | undefined {
  if (hex === undefined) return undefined
  const max = bytes.max ?? ''
  if (new RegExp(`^(?:[0-9a-fA-F]{2}){${bytes.min},${max}}$`).test(hex))
    return new Uint8Array(Buffer.from(hex, 'hex'))
  const size = bytes.max === bytes.min ? `exactly ${bytes.min}` : `at least ${bytes.min}`
  problems.add(name, `must be ${size} bytes of hex`, `<${bytes.min * 2} hex chars>`)
  return undefined
}

// The derivations below keep the values earlier versions derived inline, so upgrading changes
// nothing for a deployment that sets none of the variables.

/** HMAC-SHA256 of the JWT key over OAUTH_DPOP_SECRET_LABEL (JwtKeyring.deriveSecret's recipe). */
function dpopSecretFromJwtKey(jwtKeyHex: string): Uint8Array {
  return new Uint8Array(
    createHmac('sha256', Buffer.from(jwtKeyHex, 'hex')).update(OAUTH_DPOP_SECRET_LABEL).digest(),
  )
}

function signupRequestKeyFromJwtKey(jwtKeyHex: string): Uint8Array {
  return new Uint8Array(
    hkdfSync(
      'sha256',
      Buffer.from(jwtKeyHex, 'hex'),
      'entryway',
      'placement signup request key',
      32,
    ),
  )
}

function auditKeyOf(hex: string | undefined, jwtKeyHex: string, problems: ProblemList): Buffer {
  if (hex !== undefined) {
    if (new RegExp(`^[0-9a-fA-F]{${ADMIN_AUDIT_KEY_BYTES * 2},}$`).test(hex))
      return Buffer.from(hex, 'hex')
    problems.add(
      'ENTRYWAY_ADMIN_AUDIT_KEY_HEX',
      `must be at least ${ADMIN_AUDIT_KEY_BYTES} bytes of hex`,
      '<64 hex chars>',
    )
  }
  // derived like the other shared secrets: every instance computes the same key
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(jwtKeyHex, 'hex'),
      'entryway',
      'admin audit chain',
      ADMIN_AUDIT_KEY_BYTES,
    ),
  )
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
    throw new EntrywayConfigError(
      'ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX: each entry is <public key hex>@<ISO 8601 time it stopped signing>, e.g. 02ab…@2026-12-01T00:00:00Z',
    )
  }
  return { publicKeyHex: publicKeyHex.trim(), rotatedAt: when }
}

function readKeyFile(
  name: string,
  path: string | undefined,
  problems: ProblemList,
  kind: 'privateKey' | 'hex' = 'privateKey',
): string | undefined {
  if (!path) return undefined
  let raw: string
  try {
    raw = readFileSync(path, 'utf8')
  } catch (err) {
    problems.add(
      name,
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      '/run/secrets/entryway-key',
    )
    return undefined
  }
  if (kind === 'hex') return raw.trim()
  try {
    return privateKeyHex.parse(raw)
  } catch (err) {
    problems.add(name, `${path}: ${(err as Error).message}`, '/run/secrets/entryway-key')
    return undefined
  }
}
