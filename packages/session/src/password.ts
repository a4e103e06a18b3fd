import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** The PDS's limits (helpers/scrypt.ts): new passwords ≤ 256 chars; logins accept ≤ 512. */
export const NEW_PASSWORD_MAX_LENGTH = 256
export const OLD_PASSWORD_MAX_LENGTH = 512
const KEY_LEN = 64

function derive(password: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LEN, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** Hash in the PDS's format, `<salt hex>:<scrypt hex>`, so accounts can move between the two. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16).toString('hex')
  return `${salt}:${(await derive(password, salt)).toString('hex')}`
}

/** Constant-time check of a password against a stored `salt:hash`. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  // Tolerate a `scrypt:` label in front of the PDS format (rows written by other tools).
  const [salt, hash] = (
    stored.startsWith('scrypt:') ? stored.slice('scrypt:'.length) : stored
  ).split(':')
  if (!salt || !hash) return false
  const expected = Buffer.from(hash, 'hex')
  const actual = await derive(password, salt)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/**
 * App-password hash, as the PDS makes it (scrypt.ts hashAppPassword): the salt is derived from the
 * DID, so the hash of a candidate password can be looked up instead of trying every app password.
 */
export async function hashAppPassword(did: string, password: string): Promise<string> {
  const salt = createHash('sha256').update(did).digest().subarray(0, 16).toString('hex')
  return `${salt}:${(await derive(password, salt)).toString('hex')}`
}
