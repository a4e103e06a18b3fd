import { AuthRequiredError, InvalidRequestError } from '@entryway/xrpc'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'

/** The authenticated account; a token for a deleted or unknown account is no longer good. */
export async function requireAccount(deps: SessionDeps, did: string): Promise<SessionAccount> {
  const account = await deps.accounts.getByDid(did)
  if (!account) throw new InvalidRequestError('Account not found', 'AccountNotFound')
  return account
}

/** As the PDS's checkTakedown: routes that change the account refuse taken-down ones. */
export async function requireActiveAccount(
  deps: SessionDeps,
  did: string,
): Promise<SessionAccount> {
  const account = await requireAccount(deps, did)
  if (account.status === 'takendown')
    throw new AuthRequiredError('Account has been taken down', 'AccountTakedown')
  return account
}
