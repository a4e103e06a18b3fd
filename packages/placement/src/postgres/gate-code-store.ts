import type { EntrywayDb } from '@entryway/db'
import type { GateCodeRecord, GateCodeStore } from '../gate-code-store.js'

/** Gate codes in `signup_gate_code`: a `delete … returning` takes a code exactly once across instances. */
export class KyselyGateCodeStore implements GateCodeStore {
  constructor(private readonly db: EntrywayDb) {}

  async put(rec: GateCodeRecord): Promise<void> {
    await this.db.insertInto('signup_gate_code').values(rec).execute()
  }

  async take(codeHash: string): Promise<GateCodeRecord | undefined> {
    return this.db
      .deleteFrom('signup_gate_code')
      .where('codeHash', '=', codeHash)
      .returningAll()
      .executeTakeFirst()
  }

  async purgeExpired(now: string): Promise<void> {
    await this.db.deleteFrom('signup_gate_code').where('expiresAt', '<', now).execute()
  }
}
