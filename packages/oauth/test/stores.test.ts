import { testStoreTargets } from '@entryway/db'
import { createMemoryOAuthStores } from '../src/index.js'
import { createKyselyOAuthStores } from '../src/postgres/index.js'
import { oauthStoreConformance } from './store-conformance.js'

oauthStoreConformance({
  name: 'memory',
  async open() {
    return { ...createMemoryOAuthStores(), close: async () => {} }
  },
})

for (const target of testStoreTargets(process.env.TEST_DATABASE_URL, (d) =>
  createKyselyOAuthStores(d.db),
))
  oauthStoreConformance(target)
