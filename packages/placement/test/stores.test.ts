import { testDatabaseTargets } from '@entryway/db'
import { MemoryHostRegistry, MemoryPlacementStore } from '../src/index.js'
import { KyselyAccountDirectory, KyselyHostRegistry, KyselyInviteStore, KyselySignupStore } from '../src/postgres/index.js'
import { placementStoreConformance } from './store-conformance.js'

placementStoreConformance({
  name: 'memory',
  async open() {
    const store = new MemoryPlacementStore()
    return { hosts: new MemoryHostRegistry(() => store.counts()), signups: store, accounts: store, invites: store, close: async () => {} }
  },
})

for (const db of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  placementStoreConformance({
    name: db.name,
    skip: db.skip,
    async open() {
      const d = await db.open()
      return { hosts: new KyselyHostRegistry(d.db), signups: new KyselySignupStore(d.db), accounts: new KyselyAccountDirectory(d.db), invites: new KyselyInviteStore(d.db), close: () => d.close() }
    },
  })
}
