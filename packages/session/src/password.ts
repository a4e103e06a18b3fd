import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

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
  const [salt, hash] = stored.split(':')
  if (!salt || !hash) return false
  const expected = Buffer.from(hash, 'hex')
  const actual = await derive(password, salt)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
