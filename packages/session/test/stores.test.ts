import { seedHostWithAccounts, testStoreTargets } from '@entryway/db'
import {
  MemoryAccountStore,
  MemoryAppPasswordStore,
  MemoryEmailTokenStore,
  MemoryRefreshTokenStore,
} from '../src/index.js'
import {
  KyselyAccountStore,
  KyselyAppPasswordStore,
  KyselyEmailTokenStore,
  KyselyRefreshTokenStore,
} from '../src/postgres/index.js'
import { sessionStoreConformance, type SessionStoreSet } from './store-conformance.js'

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

for (const target of testStoreTargets<Omit<SessionStoreSet, 'close'>>(
  process.env.TEST_DATABASE_URL,
  (d) => ({
    accounts: new KyselyAccountStore(d.db),
    appPasswords: new KyselyAppPasswordStore(d.db),
    emailTokens: new KyselyEmailTokenStore(d.db),
    refreshTokens: new KyselyRefreshTokenStore(d.db),
    addAccount: async ({ host: { id: _id, ...host }, ...account }) =>
      void (await seedHostWithAccounts(d.db, host, [account])),
    setStatus: async (did, status) =>
      void (await d.db.updateTable('account').set({ status }).where('did', '=', did).execute()),
  }),
)) {
  sessionStoreConformance(target)
}
