import { MethodNotImplementedError } from '@entryway/xrpc'
import { servesAccounts, type HostSnapshot } from './host-directory.js'

/**
 * The PDS's event stream. Each PDS of the fleet has its own (sequenced by that PDS, with its own
 * cursors), so the Entryway has no one stream to forward to: sent to a single host it would
 * look like the whole service's firehose while carrying a part of it.
 */
export const SUBSCRIBE_REPOS = 'com.atproto.sync.subscribeRepos'

/** The refusal names where the streams are: the public URLs of the hosts that hold accounts. */
export function subscribeReposRefusal(snapshot: HostSnapshot): MethodNotImplementedError {
  const urls = [...snapshot.byOrigin.values()].filter(servesAccounts).map((r) => r.publicOrigin)
  const where = urls.length ? `: ${urls.join(', ')}` : ''
  return new MethodNotImplementedError(
    `${SUBSCRIBE_REPOS} is served by each PDS of this service, not by the Entryway; subscribe to every host${where}`,
  )
}
