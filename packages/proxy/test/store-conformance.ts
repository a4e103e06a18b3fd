import t from 'tap'
import type { AccountRoutes, FleetHost, HostDirectory } from '../src/index.js'

/** One backing of the proxy's lookups, with placement's writes in their place. */
export interface ProxyStoreSet {
  routes: AccountRoutes
  hosts: HostDirectory
  /** Adds a host and accounts on it as placement does. */
  addHost(h: FleetHost, accounts: { did: string; handle: string }[]): Promise<void>
  close(): Promise<void>
}

export interface ProxyStoreTarget {
  name: string
  /** Why this target cannot run here (a database that is not configured), or false. */
  skip?: string | false
  open(): Promise<ProxyStoreSet>
}

/** What every implementation of the proxy's store interfaces must do, whatever it stores in. */
export function proxyStoreConformance(target: ProxyStoreTarget): void {
  t.test(`proxy stores on ${target.name}`, { skip: target.skip }, async (t) => {
    const set = await target.open()
    t.teardown(() => set.close())
    const one: FleetHost = {
      url: 'http://pds1.test',
      did: 'did:web:pds1.test',
      internalUrl: 'http://10.0.0.1:2583',
      status: 'enabled',
      healthy: true,
    }
    const two: FleetHost = {
      url: 'http://pds2.test',
      did: 'did:web:pds2.test',
      internalUrl: null,
      status: 'draining',
      healthy: false,
    }
    await set.addHost(one, [{ did: 'did:plc:alice', handle: 'alice.test' }])
    await set.addHost(two, [{ did: 'did:plc:bob', handle: 'bob.test' }])

    t.equal(
      await set.routes.hostUrlForDid('did:plc:alice'),
      'http://pds1.test',
      'the public URL, as DID documents name it',
    )
    t.equal(await set.routes.hostUrlForDid('did:plc:bob'), 'http://pds2.test')
    t.equal(await set.routes.hostUrlForDid('did:plc:nobody'), null)
    t.equal(await set.routes.didForHandle('alice.test'), 'did:plc:alice')
    t.equal(
      await set.routes.didForHandle('BOB.Test'),
      'did:plc:bob',
      'handles are case-insensitive',
    )
    t.equal(await set.routes.didForHandle('nobody.test'), null)

    const listed = (await set.hosts.list()).sort((a, b) => (a.url < b.url ? -1 : 1))
    t.same(listed, [one, two], 'every host with its status, health and internal URL')
  })
}
