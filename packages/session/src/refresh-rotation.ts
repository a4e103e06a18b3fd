import { AuthRequiredError, InvalidRequestError } from '@entryway/xrpc'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'
import { AuthScope } from './scopes.js'
import type { SessionTokens } from './session-issuer.js'
import { newRefreshJti } from './tokens.js'

const MAX_ROTATION_ATTEMPTS = 5
const revoked = () => new InvalidRequestError('Token has been revoked', 'ExpiredToken')

/**
 * Rotates refresh token `id` as the PDS does (account-manager.ts rotateRefreshToken): the old token
 * stays usable for a grace window and always yields the same successor id, so parallel refreshes
 * converge on one session; after the window it is gone (`ExpiredToken`).
 */
export async function rotateRefreshToken(
  deps: SessionDeps,
  id: string,
): Promise<{ tokens: SessionTokens; account: SessionAccount }> {
  for (let attempt = 0; attempt < MAX_ROTATION_ATTEMPTS; attempt++) {
    const rec = await deps.refreshTokens.get(id)
    if (!rec) throw revoked()
    const now = deps.now()
    // Best-effort tidy-up of the account's dead tokens.
    await deps.refreshTokens.deleteExpired(rec.did, new Date(now).toISOString())
    const expiresAt = Math.min(Date.parse(rec.expiresAt), now + deps.refreshGraceMs)
    if (expiresAt <= now) throw revoked()
    // A used token whose successor is gone was logged out (deleteSession revoked the successor);
    // re-inserting the successor here would bring the session back.
    if (rec.nextId && !(await deps.refreshTokens.get(rec.nextId))) throw revoked()

    const account = await deps.accounts.getByDid(rec.did)
    if (!account) throw revoked()
    if (account.status === 'takendown')
      throw new AuthRequiredError('Account has been taken down', 'AccountTakedown')
    let scope: AuthScope = AuthScope.Access
    if (rec.appPasswordName) {
      const ap = await deps.appPasswords.get(rec.did, rec.appPasswordName)
      if (!ap) throw revoked()
      scope = ap.privileged ? AuthScope.AppPassPrivileged : AuthScope.AppPass
    }

    const nextId = rec.nextId ?? newRefreshJti()
    // Access `aud` follows the account's current host, so a moved account gets tokens for its new PDS.
    const tokens = await deps.sessionIssuer.issue({
      did: rec.did,
      pdsDid: account.host.did,
      scope,
      refreshJti: nextId,
    })
    const successorExp = refreshExp(tokens.refreshJwt)
    const won = await deps.refreshTokens.rotate({
      id,
      expiresAt: new Date(expiresAt).toISOString(),
      nextId,
      successor: {
        id: nextId,
        did: rec.did,
        appPasswordName: rec.appPasswordName,
        expiresAt: new Date(successorExp * 1000).toISOString(),
      },
    })
    if (won) return { tokens, account }
    // Another refresh of the same token set a different successor first: read it and reuse it.
  }
  throw new InvalidRequestError('Too many concurrent refreshes, try again', 'InvalidToken')
}

function refreshExp(jwt: string): number {
  const payload = JSON.parse(
    Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { exp: number }
  return payload.exp
}
