import type { Keypair } from '@atproto/crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Host } from './host.js'
import type { PdsClient } from './pds-client.js'
import type { PlcClient } from './plc-client.js'
import type { SignupRecord, SignupState, SignupStore } from './signup-store.js'

export interface RollbackDeps {
  signups: SignupStore
  pds: PdsClient
  plc: PlcClient
  rotationKey: Keypair
  log: FastifyBaseLogger
}

/**
 * Undoes what exists of a sign-up, then marks it failed.
 * - When the PDS may hold the repo (`pdsMayHold`), deleting it there must succeed first: otherwise
 *   the row stays live (returns false) for the reconciler, so nothing visible is left behind.
 * - The DID in PLC is tombstoned when PLC has it (only our rotation key can). This is best effort:
 *   a DID no PDS hosts and no handle of ours points at is invisible litter, and keeping the row live
 *   while PLC is down would hold the handle hostage.
 */
export async function rollbackSignup(
  d: RollbackDeps,
  s: SignupRecord,
  host: Host | null,
  from: SignupState,
  reason: string,
  pdsMayHold: boolean,
): Promise<boolean> {
  if (s.did && host && pdsMayHold) {
    try {
      await d.pds.deleteAccount(host, s.did)
    } catch (err) {
      d.log.warn({ err, did: s.did, host: host.url }, 'signup rollback: pds delete failed')
      return false
    }
  }
  let note = ''
  if (s.did) {
    const inPlc = await d.plc.exists(s.did)
    if (inPlc) {
      await d.plc.tombstone(s.did, d.rotationKey).catch((err: unknown) => {
        note = '; tombstone failed'
        d.log.warn({ err, did: s.did }, 'signup rollback: tombstone failed')
      })
    } else if (inPlc === null) {
      note = '; plc state unknown'
      d.log.warn({ did: s.did }, 'signup rollback: cannot tell whether PLC holds the DID')
    }
  }
  await d.signups.advance(s.id, from, { state: 'failed', error: `${reason}${note}`.slice(0, 500) })
  return true
}
