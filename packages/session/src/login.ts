import { AuthRequiredError } from '@entryway/xrpc'
import type { SessionAccount } from './account-store.js'
import type { AppPasswordRecord } from './app-password-store.js'
import type { SessionDeps } from './deps.js'
import { hashAppPassword, OLD_PASSWORD_MAX_LENGTH, verifyPassword } from './password.js'

// Checked for unknown identifiers so they cost the same scrypt work as a wrong password.
const DUMMY_HASH = `${'0'.repeat(32)}:${'0'.repeat(128)}`
const DUMMY_DID = 'did:plc:unknownunknownunknown'

export interface LoginResult {
  account: SessionAccount
  /** Set when the password was an app password. */
  appPassword: AppPasswordRecord | null
}

const invalid = () => new AuthRequiredError('Invalid identifier or password')

/**
 * Password check for createSession: the account password, else an app password (not for
 * taken-down accounts). Every failure does two scrypt derivations and gives the same answer, so
 * neither timing nor body tells an unknown identifier from a wrong password.
 */
export async function authenticate(deps: SessionDeps, identifier: string, password: string): Promise<LoginResult> {
  if (password.length > OLD_PASSWORD_MAX_LENGTH) throw new AuthRequiredError('Password too long. Consider resetting your password.')
  const account = await deps.accounts.findByIdentifier(identifier.trim().toLowerCase())
  const gate = deps.gate
  if (!account || !account.passwordScrypt) {
    await gate.run(() => verifyPassword(password, DUMMY_HASH))
    await gate.run(() => hashAppPassword(DUMMY_DID, password))
    throw invalid()
  }
  const stored = account.passwordScrypt
  if (await gate.run(() => verifyPassword(password, stored))) return { account, appPassword: null }
  const appHash = await gate.run(() => hashAppPassword(account.did, password))
  // Taken-down accounts cannot use app passwords (the PDS's login does the same).
  if (account.status === 'takendown') throw invalid()
  const appPassword = await deps.appPasswords.findByHash(account.did, appHash)
  if (!appPassword) throw invalid()
  return { account, appPassword }
}
