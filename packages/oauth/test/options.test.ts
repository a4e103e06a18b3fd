import t from 'tap'
import {
  createMemoryOAuthStores,
  MemoryAccountBackend,
  resolveOptions,
  DEFAULT_TOKEN_MAX_AGE_MS,
  type OAuthPluginOptions,
} from '../src/index.js'
import { secp256k1Jwk } from './helpers.js'

const base = (): OAuthPluginOptions => ({
  issuer: 'https://entryway.example.com',
  serviceName: 'Example',
  signingKey: { privateJwk: secp256k1Jwk() },
  dpopSecret: new Uint8Array(32),
  accounts: new MemoryAccountBackend(),
  stores: createMemoryOAuthStores(),
})

t.test('fills defaults, freezes, does not mutate the input', async (t) => {
  const raw = base()
  const r = resolveOptions(raw)
  t.equal(r.tokenMaxAgeMs, DEFAULT_TOKEN_MAX_AGE_MS)
  t.ok(Object.isFrozen(r))
  t.ok(Object.isFrozen(r.signingKey.privateJwk))
  t.equal(raw.tokenMaxAgeMs, undefined)
})

t.test('the issuer must be what a PDS accepts as PDS_ENTRYWAY_URL', async (t) => {
  for (const issuer of [
    'https://e.example.com/',
    'https://e.example.com/x',
    'http://e.example.com',
    'ftp://e.example.com',
    'nope',
  ]) {
    t.throws(() => resolveOptions({ ...base(), issuer }), /@entryway\/oauth: issuer/, issuer)
  }
  t.doesNotThrow(() => resolveOptions({ ...base(), issuer: 'http://localhost:2583' }))
})

t.test('the key must be a kid-less secp256k1 private JWK', async (t) => {
  t.throws(
    () =>
      resolveOptions({ ...base(), signingKey: { privateJwk: { ...secp256k1Jwk(), kid: 'k1' } } }),
    /no kid/,
  )
  const { d: _d, ...pub } = secp256k1Jwk()
  t.throws(() => resolveOptions({ ...base(), signingKey: { privateJwk: pub } }), /private JWK/)
  t.throws(
    () =>
      resolveOptions({
        ...base(),
        signingKey: { privateJwk: { kty: 'EC', crv: 'P-256', d: 'x' } },
      }),
    /secp256k1/,
  )
})

t.test('rejects bad secrets, lifetimes and missing stores', async (t) => {
  t.throws(() => resolveOptions({ ...base(), dpopSecret: new Uint8Array(16) }), /dpopSecret/)
  t.throws(() => resolveOptions({ ...base(), tokenMaxAgeMs: 60 * 60 * 1000 }), /tokenMaxAgeMs/)
  const stores = { ...createMemoryOAuthStores() } as Partial<OAuthPluginOptions['stores']>
  delete stores.replay
  t.throws(
    () => resolveOptions({ ...base(), stores: stores as OAuthPluginOptions['stores'] }),
    /stores.replay/,
  )
})
