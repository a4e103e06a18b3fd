import t from 'tap'
import { Secp256k1Keypair } from '@atproto/crypto'
import {
  MemoryHostRegistry,
  MemoryPlacementStore,
  resolveOptions,
  type PlacementOptions,
} from '../src/index.js'
import { FakePds, FakePlc } from './helpers.js'

async function base(): Promise<PlacementOptions> {
  const store = new MemoryPlacementStore()
  return {
    handleDomains: ['test'],
    rotationKey: await Secp256k1Keypair.create(),
    hosts: new MemoryHostRegistry(),
    signups: store,
    accounts: store,
    invites: store,
    pds: new FakePds(),
    plc: new FakePlc(),
    auth: { user: async () => ({ did: 'did:x:y', via: 'access' }), admin: () => {} },
    sessions: { issue: async () => ({ accessJwt: 'a', refreshJwt: 'r' }) },
    requestKeySecret: 'sixteen-bytes-at-least',
  }
}

t.test('defaults, frozen, input untouched', async (t) => {
  const raw = await base()
  const o = resolveOptions(raw)
  t.ok(Object.isFrozen(o))
  t.same(o.handleDomains, ['.test'])
  t.same(raw.handleDomains, ['test'], 'caller options not mutated')
  t.equal(o.healthCheckIntervalMs, 10_000)
  t.equal(o.inviteRequired, false)
  t.equal(o.includeDidDoc, true)
  t.ok(o.reservedHandles.has('admin'))
})

t.test('rejects bad values with the package name', async (t) => {
  const raw = await base()
  t.throws(
    () => resolveOptions({ ...raw, handleDomains: [] }),
    /@entryway\/placement: handleDomains/,
  )
  t.throws(() => resolveOptions({ ...raw, healthCheckIntervalMs: -1 }), /healthCheckIntervalMs/)
  t.throws(() => resolveOptions({ ...raw, requestKeySecret: 'short' }), /requestKeySecret/)
  t.throws(() => resolveOptions({ ...raw, pds: undefined as never }), /pds is required/)
  t.throws(
    () => resolveOptions({ ...raw, seedHosts: [{ url: 'http://x.test/path', did: 'did:web:x' }] }),
    /seed host/,
  )
  t.throws(() => resolveOptions({ ...raw, inviteCodePrefix: 'Bad Prefix' }), /inviteCodePrefix/)
})
