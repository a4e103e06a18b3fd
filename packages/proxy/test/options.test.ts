import t from 'tap'
import { resolveOptions, DEFAULT_UPSTREAM_TIMEOUT_MS, type ProxyOptions } from '../src/options.js'
import { MemoryHostDirectory } from '../src/host-directory.js'
import { MemoryAccountRoutes } from '../src/account-routes.js'
import { DidDocCache } from '../src/did-doc-cache.js'

const base = (): ProxyOptions => ({
  hosts: new MemoryHostDirectory(),
  accounts: new MemoryAccountRoutes(),
  didResolver: new DidDocCache({ fetch: async () => null }),
  verifyAccessToken: async () => ({ sub: 'did:plc:x', exp: 0 }),
  entrywayDid: 'did:web:e.test',
})

t.test('defaults, frozen, input untouched', async (t) => {
  const raw = base()
  const o = resolveOptions(raw)
  t.ok(Object.isFrozen(o))
  t.equal(o.upstreamTimeoutMs, DEFAULT_UPSTREAM_TIMEOUT_MS)
  t.equal(o.defaultHostUrl, null)
  t.same(
    [...o.ownedNsids].sort(),
    ['com.atproto.admin.*', 'com.atproto.server.reserveSigningKey'],
    'only the reserved methods by default',
  )
  t.ok(
    resolveOptions({ ...raw, ownedNsids: ['com.atproto.server.createSession'] }).ownedNsids.has(
      'com.atproto.server.createSession',
    ),
    'plus the ones given',
  )
  t.same(Object.keys(raw).sort(), [
    'accounts',
    'didResolver',
    'entrywayDid',
    'hosts',
    'verifyAccessToken',
  ])
})

t.test('origins are canonicalised; bad values are refused with the package name', async (t) => {
  const o = resolveOptions({
    ...base(),
    allowedOrigins: ['https://Partner.Example.com/'],
    defaultHostUrl: 'http://localhost:2585/',
  })
  t.same([...o.allowedOrigins], ['https://partner.example.com'])
  t.equal(o.defaultHostUrl, 'http://localhost:2585')
  const bad: Array<[Partial<ProxyOptions>, RegExp]> = [
    [{ allowedOrigins: ['http://partner.example.com'] }, /must be https/],
    [{ allowedOrigins: ['https://partner.example.com/path'] }, /must be an origin/],
    [{ upstreamTimeoutMs: 0 }, /upstreamTimeoutMs/],
    [{ upstreamTimeoutMs: 1.5 }, /upstreamTimeoutMs/],
    [{ tokenCacheTtlMs: 120_000 }, /tokenCacheTtlMs/],
    [{ entrywayDid: 'entryway' }, /entrywayDid/],
    [{ hosts: {} as never }, /hosts/],
    [{ verifyAccessToken: 'x' as never }, /verifyAccessToken/],
  ]
  for (const [patch, msg] of bad) {
    t.throws(() => resolveOptions({ ...base(), ...patch }), {
      name: 'EntrywayConfigError',
      message: /^@entryway\/proxy: /,
    })
    t.throws(() => resolveOptions({ ...base(), ...patch }), msg)
  }
})
