import { testDatabaseTargets, type Database } from '@entryway/db'
import { MemoryAccountStore, MemoryAppPasswordStore, MemoryEmailTokenStore, MemoryRefreshTokenStore, type SessionAccount } from '../src/index.js'
import { KyselyAccountStore, KyselyAppPasswordStore, KyselyEmailTokenStore, KyselyRefreshTokenStore } from '../src/postgres/index.js'
import { CONFORMANCE_HOST, sessionStoreConformance } from './store-conformance.js'

sessionStoreConformance({
  name: 'memory',
  async open() {
    const accounts = new MemoryAccountStore()
    return {
      accounts,
      appPasswords: new MemoryAppPasswordStore(),
      emailTokens: new MemoryEmailTokenStore(),
      refreshTokens: new MemoryRefreshTokenStore(),
      addAccount: async (a) => accounts.add(a),
      setStatus: async (did, status) => void (accounts.peek(did)!.status = status),
      close: async () => {},
    }
  },
})

/** Inserts the account row (and its host, once) as placement does. */
async function insertAccount(d: Database, a: SessionAccount): Promise<void> {
  const now = new Date().toISOString()
  const host =
    (await d.db.selectFrom('pds_host').select('id').where('did', '=', a.host.did).executeTakeFirst()) ??
    (await d.db
      .insertInto('pds_host')
      .values({ url: a.host.url, did: a.host.did, internalUrl: a.host.internalUrl, status: 'enabled', createdAt: now, updatedAt: now })
      .returning('id')
      .executeTakeFirstOrThrow())
  const { host: _host, ...row } = a
  await d.db.insertInto('account').values({ ...row, hostId: host.id, createdAt: now, updatedAt: now }).execute()
}

for (const db of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  sessionStoreConformance({
    name: db.name,
    async open() {
      const d = await db.open()
      return {
        accounts: new KyselyAccountStore(d.db),
        appPasswords: new KyselyAppPasswordStore(d.db),
        emailTokens: new KyselyEmailTokenStore(d.db),
        refreshTokens: new KyselyRefreshTokenStore(d.db),
        addAccount: (a) => insertAccount(d, a),
        setStatus: async (did, status) => void (await d.db.updateTable('account').set({ status }).where('did', '=', did).execute()),
        close: () => d.close(),
      }
    },
  })
}
