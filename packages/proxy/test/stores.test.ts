import { seedHostWithAccounts, testStoreTargets } from '@entryway/db'
import { MemoryAccountRoutes, MemoryHostDirectory, type FleetHost } from '../src/index.js'
import { KyselyAccountRoutes, KyselyHostDirectory } from '../src/postgres/index.js'
import { proxyStoreConformance, type ProxyStoreSet } from './store-conformance.js'

proxyStoreConformance({
  name: 'memory',
  async open() {
    const routes = new MemoryAccountRoutes()
    const list: FleetHost[] = []
    const hosts = new MemoryHostDirectory(list)
    return {
      routes,
      hosts,
      async addHost(h, accounts) {
        list.push({ ...h })
        for (const a of accounts) routes.set(a.did, h.url, a.handle)
      },
      close: async () => {},
    }
  },
})

for (const target of testStoreTargets<Omit<ProxyStoreSet, 'close'>>(
  process.env.TEST_DATABASE_URL,
  (d) => ({
    routes: new KyselyAccountRoutes(d.db),
    hosts: new KyselyHostDirectory(d.db),
    addHost: async (h, accounts) => void (await seedHostWithAccounts(d.db, h, accounts)),
  }),
)) {
  proxyStoreConformance(target)
}
