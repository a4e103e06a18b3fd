import type { Selectable } from 'kysely'
import type { AccountCreation, EntrywayDb } from '@entryway/db'
import {
  LIVE_SIGNUP_STATES,
  type BeginResult,
  type CompleteResult,
  type NewAccount,
  type NewSignup,
  type SignupPatch,
  type SignupRecord,
  type SignupState,
  type SignupStore,
} from '../index.js'
import { isUniqueViolation } from './placement-db-errors.js'
import { liveSignupState } from './live-signup-states.js'

const LIVE = [...LIVE_SIGNUP_STATES]

/** Sign-ups in `account_creation`; the live-handle/email partial unique indexes settle races. */
export class KyselySignupStore implements SignupStore {
  constructor(private readonly db: EntrywayDb) {}

  async begin(s: NewSignup): Promise<BeginResult> {
    const held = await this.db
      .selectFrom('account')
      .select(['handle', 'email'])
      .where((eb) => eb.or([eb('handle', '=', s.handle), eb('email', '=', s.email)]))
      .execute()
    if (held.some((a) => a.handle === s.handle))
      return { ok: false, conflict: 'handle', live: null }
    if (held.length) return { ok: false, conflict: 'email', live: null }
    const now = new Date().toISOString()
    // DO NOTHING without a target covers the partial unique indexes: no aborted transaction to undo
    const inserted = await this.db
      .insertInto('account_creation')
      .values({
        ...s,
        did: null,
        hostId: null,
        signingKey: null,
        plcOp: null,
        state: 'pending',
        error: null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { ok: true }
    const live = await this.db
      .selectFrom('account_creation')
      .selectAll()
      .where('state', 'in', LIVE)
      .where((eb) => eb.or([eb('handle', '=', s.handle), eb('email', '=', s.email)]))
      .execute()
    const byHandle = live.find((r) => r.handle === s.handle)
    if (byHandle) return { ok: false, conflict: 'handle', live: toRecord(byHandle) }
    return { ok: false, conflict: 'email', live: live[0] ? toRecord(live[0]) : null }
  }

  async get(id: string): Promise<SignupRecord | null> {
    const r = await this.db
      .selectFrom('account_creation')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return r ? toRecord(r) : null
  }

  async findByRequestKey(requestKey: string): Promise<SignupRecord | null> {
    const r = await this.db
      .selectFrom('account_creation')
      .selectAll()
      .where('requestKey', '=', requestKey)
      .orderBy('createdAt', 'desc')
      .limit(1)
      .executeTakeFirst()
    return r ? toRecord(r) : null
  }

  async advance(id: string, from: SignupState, patch: SignupPatch): Promise<boolean> {
    const res = await this.db
      .updateTable('account_creation')
      .set({ ...patch, updatedAt: new Date().toISOString() })
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst()
    return Number(res.numUpdatedRows) === 1
  }

  async complete(
    id: string,
    from: SignupState,
    a: NewAccount,
    inviteCode: string | null,
  ): Promise<CompleteResult> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('account_creation')
          .select('state')
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst()
        if (!row || row.state !== from) return 'stale' as const
        const now = new Date().toISOString()
        if (inviteCode) {
          // the row lock serialises the last use of a code between concurrent sign-ups
          const invite = await tx
            .selectFrom('invite_code')
            .selectAll()
            .where('code', '=', inviteCode)
            .forUpdate()
            .executeTakeFirst()
          const used = await tx
            .selectFrom('invite_code_use')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('code', '=', inviteCode)
            .executeTakeFirstOrThrow()
          if (!invite || invite.disabled || Number(used.n) >= invite.availableUses)
            return 'invite_unavailable' as const
          await tx
            .insertInto('invite_code_use')
            .values({ code: inviteCode, usedBy: a.did, usedAt: now })
            .execute()
        }
        await tx
          .insertInto('account')
          .values({
            did: a.did,
            handle: a.handle,
            email: a.email,
            emailConfirmedAt: null,
            emailAuthFactor: false,
            passwordScrypt: a.passwordScrypt,
            hostId: a.hostId,
            status: 'active',
            takedownRef: null,
            deactivatedAt: null,
            invitesDisabled: false,
            createdAt: now,
            updatedAt: now,
          })
          .execute()
        await tx
          .updateTable('account_creation')
          .set({ state: 'complete', updatedAt: now })
          .where('id', '=', id)
          .execute()
        return 'ok' as const
      })
    } catch (err) {
      if (isUniqueViolation(err, 'account_handle_key')) return 'handle_taken'
      if (isUniqueViolation(err, 'account_email_key')) return 'email_taken'
      if (isUniqueViolation(err, 'account_pkey')) return 'stale'
      throw err
    }
  }

  async listStale(before: string, limit: number): Promise<SignupRecord[]> {
    const rows = await this.db
      .selectFrom('account_creation')
      .selectAll()
      .where(liveSignupState)
      .where('updatedAt', '<', before)
      .orderBy('updatedAt')
      .limit(limit)
      .execute()
    return rows.map(toRecord)
  }
}

type Row = Selectable<AccountCreation>

function toRecord(r: Row): SignupRecord {
  return { ...r, email: r.email ?? '', passwordScrypt: r.passwordScrypt ?? '' }
}
