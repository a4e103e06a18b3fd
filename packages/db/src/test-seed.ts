import type { Selectable } from 'kysely'
import type { Account as AccountTable, PdsHost as PdsHostTable } from './schema/index.js'
import type { EntrywayDb } from './database.js'

type PdsHost = Selectable<PdsHostTable>
type Account = Selectable<AccountTable>

export type TestHost = Pick<PdsHost, 'url' | 'did'> &
  Partial<Pick<PdsHost, 'internalUrl' | 'status' | 'healthy'>>
export type TestAccount = Pick<Account, 'did' | 'handle'> &
  Partial<
    Pick<
      Account,
      | 'email'
      | 'emailConfirmedAt'
      | 'emailAuthFactor'
      | 'passwordScrypt'
      | 'status'
      | 'deactivatedAt'
      | 'takedownRef'
    >
  >

/**
 * For storage tests: a host (enabled unless told) and accounts on it, inserted as placement
 * writes them; the host is reused when its DID is already there. Returns the host's id.
 */
export async function seedHostWithAccounts(
  db: EntrywayDb,
  host: TestHost,
  accounts: TestAccount[] = [],
): Promise<number> {
  const now = new Date().toISOString()
  const existing = await db
    .selectFrom('pds_host')
    .select('id')
    .where('did', '=', host.did)
    .executeTakeFirst()
  const hostId =
    existing?.id ??
    (
      await db
        .insertInto('pds_host')
        .values({
          url: host.url,
          did: host.did,
          internalUrl: host.internalUrl ?? null,
          status: host.status ?? 'enabled',
          healthy: host.healthy ?? true,
          weight: 1,
          consecutiveFailures: 0,
          createdAt: now,
          updatedAt: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
  for (const a of accounts) {
    await db
      .insertInto('account')
      .values({
        email: null,
        emailConfirmedAt: null,
        emailAuthFactor: false,
        passwordScrypt: null,
        status: 'active',
        invitesDisabled: false,
        createdAt: now,
        updatedAt: now,
        ...a,
        hostId,
      })
      .execute()
  }
  return hostId
}
