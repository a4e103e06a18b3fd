import type { Selectable } from 'kysely'
import type { Account, EntrywayDb, PdsHost } from '@entryway/db'
import type { AccountSearchPage, AccountStore, SessionAccount } from '../account-store.js'

/** Postgres account rows with their host, for the session plugin (placement inserts them). */
export class KyselyAccountStore implements AccountStore {
  constructor(private readonly db: EntrywayDb) {}

  private base() {
    return this.db
      .selectFrom('account')
      .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
      .select([
        'account.did',
        'account.handle',
        'account.email',
        'account.emailConfirmedAt',
        'account.emailAuthFactor',
        'account.passwordScrypt',
        'account.status',
        'account.deactivatedAt',
        'account.takedownRef',
        'account.createdAt',
        'pds_host.id as hostId',
        'pds_host.url as hostUrl',
        'pds_host.did as hostDid',
        'pds_host.internalUrl as hostInternalUrl',
      ])
      .where('account.status', '!=', 'deleted')
  }

  async getByDid(did: string): Promise<SessionAccount | null> {
    return toAccount(await this.base().where('account.did', '=', did).executeTakeFirst())
  }

  async findByIdentifier(identifier: string): Promise<SessionAccount | null> {
    const id = identifier.trim().toLowerCase()
    const q = this.base()
    const row = id.includes('@')
      ? await q.where('account.email', '=', id).executeTakeFirst()
      : id.startsWith('did:')
        ? await q.where('account.did', '=', id).executeTakeFirst()
        : await q.where('account.handle', '=', id).executeTakeFirst()
    return toAccount(row)
  }

  async updatePassword(did: string, passwordScrypt: string): Promise<void> {
    await this.db
      .updateTable('account')
      .set({ passwordScrypt, updatedAt: new Date().toISOString() })
      .where('did', '=', did)
      .execute()
  }

  async updateEmail(did: string, email: string): Promise<'ok' | 'taken'> {
    try {
      await this.db
        .updateTable('account')
        .set({
          email: email.toLowerCase(),
          emailConfirmedAt: null,
          emailAuthFactor: false,
          updatedAt: new Date().toISOString(),
        })
        .where('did', '=', did)
        .execute()
      return 'ok'
    } catch (err) {
      // The unique index decides races between two accounts taking the same address.
      if ((err as { code?: string }).code === '23505') return 'taken'
      throw err
    }
  }

  async confirmEmail(did: string, at: string): Promise<void> {
    await this.db
      .updateTable('account')
      .set({ emailConfirmedAt: at, updatedAt: at })
      .where('did', '=', did)
      .execute()
  }

  async setEmailAuthFactor(did: string, enabled: boolean): Promise<void> {
    await this.db
      .updateTable('account')
      .set({ emailAuthFactor: enabled, updatedAt: new Date().toISOString() })
      .where('did', '=', did)
      .execute()
  }

  async setDeactivated(did: string, deactivated: boolean, at: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('account')
        .set({ deactivatedAt: deactivated ? at : null, updatedAt: at })
        .where('did', '=', did)
        .execute()
      // A takedown outranks (de)activation: only the deactivatedAt mark changes then.
      await tx
        .updateTable('account')
        .set({ status: deactivated ? 'deactivated' : 'active' })
        .where('did', '=', did)
        .where('status', 'in', ['active', 'deactivated'])
        .execute()
    })
  }

  async setTakedown(did: string, takedownRef: string | null, at: string): Promise<void> {
    const q = this.db.updateTable('account').where('did', '=', did).where('status', '!=', 'deleted')
    if (takedownRef !== null) {
      await q.set({ status: 'takendown', takedownRef, updatedAt: at }).execute()
      return
    }
    // Back to what (de)activation last said.
    await q
      .set((eb) => ({
        status: eb
          .case()
          .when('deactivatedAt', 'is not', null)
          .then('deactivated' as const)
          .else('active' as const)
          .end(),
        takedownRef: null,
        updatedAt: at,
      }))
      .execute()
  }

  async search(opts: {
    prefix?: string
    limit: number
    cursor?: string
  }): Promise<AccountSearchPage> {
    let q = this.base()
      .orderBy('account.did')
      .limit(opts.limit + 1)
    if (opts.cursor) q = q.where('account.did', '>', opts.cursor)
    const prefix = opts.prefix?.trim().toLowerCase()
    if (prefix) {
      // LIKE's own wildcards in the input are literal characters here
      const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      q = q.where((eb) =>
        eb.or([eb('account.email', 'like', pattern), eb('account.handle', 'like', pattern)]),
      )
    }
    const rows = await q.execute()
    const accounts = rows.slice(0, opts.limit).map((r) => toAccount(r)!)
    return rows.length > opts.limit
      ? { accounts, cursor: accounts[accounts.length - 1]!.did }
      : { accounts }
  }

  async markDeleted(did: string, at: string): Promise<void> {
    await this.db
      .updateTable('account')
      .set({ status: 'deleted', passwordScrypt: null, updatedAt: at })
      .where('did', '=', did)
      .execute()
  }
}

/** An account row joined with its host, as `base()` selects it. */
type Row = Pick<
  Selectable<Account>,
  | 'did'
  | 'handle'
  | 'email'
  | 'emailConfirmedAt'
  | 'emailAuthFactor'
  | 'passwordScrypt'
  | 'status'
  | 'deactivatedAt'
  | 'takedownRef'
  | 'createdAt'
> & {
  hostId: Selectable<PdsHost>['id']
  hostUrl: PdsHost['url']
  hostDid: PdsHost['did']
  hostInternalUrl: PdsHost['internalUrl']
}

function toAccount(r: Row | undefined): SessionAccount | null {
  if (!r) return null
  return {
    did: r.did,
    handle: r.handle,
    email: r.email,
    emailConfirmedAt: r.emailConfirmedAt,
    emailAuthFactor: r.emailAuthFactor,
    passwordScrypt: r.passwordScrypt,
    status: r.status,
    deactivatedAt: r.deactivatedAt,
    takedownRef: r.takedownRef,
    createdAt: r.createdAt,
    host: { id: r.hostId, url: r.hostUrl, did: r.hostDid, internalUrl: r.hostInternalUrl },
  }
}
