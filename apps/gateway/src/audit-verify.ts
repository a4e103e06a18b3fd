import {
  auditCheckpointValid,
  latestCheckpointIn,
  verifyAuditChain,
  type AuditCheckpoint,
  type ChainVerdict,
} from '@entryway/admin-rbac'
import { KyselyAuditLog } from '@entryway/admin-rbac/postgres'
import type { EntrywayDb } from '@entryway/db'

export interface AdminAuditReport {
  verdict: ChainVerdict
  /** The newest validly signed checkpoint found in the files, checked against. */
  checkpoint: AuditCheckpoint | null
  /** Checkpoint files whose newest line is not signed with the key. */
  forgedCheckpoints: string[]
}

/**
 * Verifies the admin audit table against its key and the newest checkpoint of the given files
 * (every instance's, when they keep their own): an edited row, a row re-hashed without the key,
 * a removed or inserted row, and a chain cut short of a recorded head all fail.
 */
export async function verifyAdminAudit(
  db: EntrywayDb,
  key: Uint8Array,
  checkpointFiles: readonly string[],
): Promise<AdminAuditReport> {
  let checkpoint: AuditCheckpoint | null = null
  const forgedCheckpoints: string[] = []
  for (const file of checkpointFiles) {
    const cp = await latestCheckpointIn(file)
    if (!cp) continue
    if (!auditCheckpointValid(key, cp)) {
      forgedCheckpoints.push(file)
      continue
    }
    if (!checkpoint || cp.id > checkpoint.id) checkpoint = cp
  }
  const verdict = await verifyAuditChain(new KyselyAuditLog(db).scan({}, 1000), key, checkpoint)
  return { verdict, checkpoint, forgedCheckpoints }
}
