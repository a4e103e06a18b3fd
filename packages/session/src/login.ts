import { AuthRequiredError } from '@entryway/xrpc'
import type { AccountStore, SessionAccount } from './account-store.js'
import type { AppPasswordRecord, AppPasswordStore } from './app-password-store.js'
import { normalizeIdentifier } from './identifier.js'
import type { PasswordGate } from './password-gate.js'
import { hashAppPassword, OLD_PASSWORD_MAX_LENGTH, verifyPassword } from './password.js'
import type { SessionLimiters } from './rate-limits.js'

// Checked for unknown identifiers so they cost the same scrypt work as a wrong password.
const DUMMY_HASH = `${'0'.repeat(32)}:${'0'.repeat(128)}`
const DUMMY_DID = 'did:plc:unknownunknownunknown'

/** What a password check needs: every sign-in path (createSession, OAuth, deleteAccount) passes the same. */
export interface LoginDeps {
  accounts: AccountStore
  gate: PasswordGate
  limits: Pick<SessionLimiters, 'loginIp' | 'loginAccount'>
}

export interface LoginInput {
  identifier: string
  password: string
  /** The client's address (`req.ip`): the limits count per address. */
  ip: string
  /** App passwords are tried after the account password; `null`: account password only (OAuth, deleteAccount). */
  appPasswords: AppPasswordStore | null
}

export interface LoginResult {
  account: SessionAccount
  /** Set when the password was an app password. */
  appPassword: AppPasswordRecord | null
}

const invalid = () => new AuthRequiredError('Invalid identifier or password')

/**
 * The one password check of every sign-in path: the limits first (per address, then per account
 * and address, keyed on the account's DID when the identifier resolves, so respelling a handle or
 * using the email or DID instead counts against the same limit), then scrypt through the shared
 * gate. Every failure does the same scrypt work and gives the same answer, so neither timing nor
 * body tells an unknown identifier from a wrong password.
 */
export async function authenticate(deps: LoginDeps, input: LoginInput): Promise<LoginResult> {
  const { password, ip } = input
  if (password.length > OLD_PASSWORD_MAX_LENGTH)
    throw new AuthRequiredError('Password too long. Consider resetting your password.')
  const identifier = normalizeIdentifier(input.identifier)
  await deps.limits.loginIp(ip)
  const account = identifier ? await deps.accounts.findByIdentifier(identifier) : null
  await deps.limits.loginAccount(ip, account?.did ?? identifier)
  const gate = deps.gate
  const tryApp = input.appPasswords !== null
  if (!account || !account.passwordScrypt) {
    await gate.run(() => verifyPassword(password, DUMMY_HASH))
    if (tryApp) await gate.run(() => hashAppPassword(DUMMY_DID, password))
    throw invalid()
  }
  const stored = account.passwordScrypt
  if (await gate.run(() => verifyPassword(password, stored))) return { account, appPassword: null }
  if (!input.appPasswords) throw invalid()
  const appHash = await gate.run(() => hashAppPassword(account.did, password))
  // Taken-down accounts cannot use app passwords (the PDS's login does the same).
  if (account.status === 'takendown') throw invalid()
  const appPassword = await input.appPasswords.findByHash(account.did, appHash)
  if (!appPassword) throw invalid()
  return { account, appPassword }
}
