import t from 'tap'
import { HostConflictError, MemoryHostRegistry, type Host, type NewHost } from '../src/index.js'
import { build } from './helpers.js'

t.test(
  'a configured host whose DID is registered under another URL: the start goes on, the registry keeps its URL',
  async (t) => {
    const { hosts } = await build(t, {
      seedHosts: [{ url: 'http://pds1-renamed.test', did: 'did:web:pds1.test' }],
    })
    const all = await hosts.list()
    t.equal(all.length, 2, 'no second row for the DID')
    t.equal((await hosts.getByDid('did:web:pds1.test'))?.url, 'http://pds1.test')
    t.equal(await hosts.getByUrl('http://pds1-renamed.test'), null)
  },
)

/** Another instance registers the host between this one's look-up and its insert. */
class RacedRegistry extends MemoryHostRegistry {
  override async add(n: NewHost): Promise<Host> {
    if (n.url === 'http://pds-new.test') {
      await super.add(n)
      throw new HostConflictError(`host already registered: ${n.url}`)
    }
    return super.add(n)
  }
}

t.test('a host another instance registered a moment earlier is simply there', async (t) => {
  const raced = new RacedRegistry()
  await raced.add({ url: 'http://pds1.test', did: 'did:web:pds1.test', status: 'enabled' })
  const { app } = await build(t, {
    hosts: raced,
    hostCount: 0,
    seedHosts: [{ url: 'http://pds-new.test', did: 'did:web:pds-new.test' }],
  })
  t.ok(app.server, 'started')
  t.equal((await raced.list()).filter((h) => h.url === 'http://pds-new.test').length, 1)
})

t.test('new configured hosts are registered enabled; known ones keep their status', async (t) => {
  const { hosts } = await build(t, {
    seedHosts: [
      { url: 'http://pds1.test', did: 'did:web:pds1.test' },
      { url: 'http://pds3.test', did: 'did:web:pds3.test' },
    ],
  })
  t.equal((await hosts.getByUrl('http://pds3.test'))?.status, 'enabled')
  t.equal((await hosts.list()).length, 3)
})
