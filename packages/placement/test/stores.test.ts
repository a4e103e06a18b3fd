import { testStoreTargets } from '@entryway/db'
import { MemoryHostRegistry, MemoryPlacementStore } from '../src/index.js'
import {
  KyselyAccountDirectory,
  KyselyHostRegistry,
  KyselyInviteStore,
  KyselySignupStore,
} from '../src/postgres/index.js'
import { placementStoreConformance, type PlacementStoreSet } from './store-conformance.js'

placementStoreConformance({
  name: 'memory',
  async open() {
    const store = new MemoryPlacementStore()
    return {
      hosts: new MemoryHostRegistry(() => store.counts()),
      signups: store,
      accounts: store,
      invites: store,
      close: async () => {},
    }
  },
})

for (const target of testStoreTargets<Omit<PlacementStoreSet, 'close'>>(
  process.env.TEST_DATABASE_URL,
  (d) => ({
    hosts: new KyselyHostRegistry(d.db),
    signups: new KyselySignupStore(d.db),
    accounts: new KyselyAccountDirectory(d.db),
    invites: new KyselyInviteStore(d.db),
  }),
)) {
  placementStoreConformance(target)
}
