import { createHmac } from 'node:crypto'

/**
 * Keyed hash of a sign-up's identifying fields. Keyed so the stored value reveals nothing about
 * the password; the same request yields the same key on every instance sharing the secret.
 */
export function signupRequestKey(
  secret: Uint8Array,
  f: { handle: string; email: string; password: string; inviteCode: string | null },
): string {
  return createHmac('sha256', secret)
    .update(JSON.stringify([f.handle, f.email, f.password, f.inviteCode ?? '']))
    .digest('base64url')
}
