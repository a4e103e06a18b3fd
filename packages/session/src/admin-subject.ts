import { InvalidRequestError } from '@entryway/xrpc'
import type { SessionAccount } from './account-store.js'
import type { SessionDeps } from './deps.js'

/** The repo an `at://` URI names: a DID, or a handle. */
export function atUriAuthority(uri: string): string {
  const rest = uri.startsWith('at://') ? uri.slice('at://'.length) : ''
  return rest.split(/[/?#]/)[0] ?? ''
}

/** The account a moderation subject (repo, record or blob) belongs to; `NotFound` as the PDS says it. */
export async function subjectAccount(
  deps: SessionDeps,
  didOrHandle: string,
): Promise<SessionAccount> {
  const account = didOrHandle ? await deps.accounts.findByIdentifier(didOrHandle) : null
  if (!account || didOrHandle.includes('@'))
    throw new InvalidRequestError('Subject not found', 'NotFound')
  return account
}
