import type { FastifyBaseLogger } from 'fastify'
import type { PlcOperator } from '../plc-operator.js'
import { TOKEN_EMAIL_JOB, type TokenEmails } from '../token-emails.js'
import type { OutboxHandler } from './outbox-worker.js'

/** The DID of a deleted account is tombstoned on PLC (payload `{ did }`, key the DID). */
export const PLC_TOMBSTONE_JOB = 'plc.tombstone'
/**
 * A deactivated account deleted at its `deleteAfter` (payload `{ did }`, key the DID). Run by the
 * session plugin's own handler, which it adds to the outbox when registered.
 */
export const ACCOUNT_DELETE_JOB = 'account.scheduledDelete'

/**
 * The session plugin's outbox jobs, for the worker that runs them: PLC tombstones, and the
 * emailed codes when `mail` is given (a plugin with an outbox queues its code mails there).
 */
export function sessionJobHandlers(
  plc: PlcOperator,
  mail?: { tokenEmails: TokenEmails; log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'> },
): Record<string, OutboxHandler> {
  return {
    [PLC_TOMBSTONE_JOB]: async (payload) => {
      const did = (payload as { did?: unknown } | null)?.did
      if (typeof did !== 'string' || !did.startsWith('did:'))
        throw new Error('plc.tombstone: payload has no DID')
      await plc.tombstone(did)
    },
    ...(mail ? { [TOKEN_EMAIL_JOB]: mail.tokenEmails.jobHandler(mail.log) } : {}),
  }
}
