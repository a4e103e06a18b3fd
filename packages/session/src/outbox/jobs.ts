import type { PlcOperator } from '../plc-operator.js'
import type { OutboxHandler } from './outbox-worker.js'

/** The DID of a deleted account is tombstoned on PLC (payload `{ did }`, key the DID). */
export const PLC_TOMBSTONE_JOB = 'plc.tombstone'

/** The session plugin's outbox jobs, for the worker that runs them. */
export function sessionJobHandlers(plc: PlcOperator): Record<string, OutboxHandler> {
  return {
    [PLC_TOMBSTONE_JOB]: async (payload) => {
      const did = (payload as { did?: unknown } | null)?.did
      if (typeof did !== 'string' || !did.startsWith('did:'))
        throw new Error('plc.tombstone: payload has no DID')
      await plc.tombstone(did)
    },
  }
}
