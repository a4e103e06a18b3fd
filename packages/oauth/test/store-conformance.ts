import t, { type Test } from 'tap'
import type {
  ClientAuth,
  ClientId,
  Code,
  CreateTokenData,
  DeviceData,
  DeviceId,
  OAuthStores,
  RefreshToken,
  TokenId,
} from '../src/index.js'
import type { LexiconData, RequestData, RequestId } from '@atproto/oauth-provider/store'

export interface OAuthStoreTarget {
  name: string
  /** Why this target cannot run here (a database that is not configured), or false. */
  skip?: string | false
  open(): Promise<OAuthStores & { close: () => Promise<void> }>
}

// Times are whole milliseconds, as every backing stores them.
const T0 = new Date('2030-01-01T00:00:00.000Z')
const later = (ms: number) => new Date(T0.getTime() + ms)
const ALICE = 'did:plc:alice' as const
const BOB = 'did:plc:bob' as const
const CLIENT = 'https://app.example/client-metadata.json' as ClientId
const NONE: ClientAuth = { method: 'none' }
const parameters = {
  client_id: CLIENT,
  response_type: 'code',
  redirect_uri: 'https://app.example/cb',
  scope: 'atproto transition:generic',
  code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  code_challenge_method: 'S256',
} as RequestData['parameters']

const request = (over: Partial<RequestData> = {}): RequestData => ({
  clientId: CLIENT,
  clientAuth: NONE,
  parameters,
  expiresAt: later(300_000),
  deviceId: null,
  did: null,
  code: null,
  ...over,
})
const device = (n: number): DeviceData => ({
  sessionId: `ses-${n}`,
  userAgent: `agent ${n}`,
  ipAddress: `10.0.0.${n}`,
  lastSeenAt: later(n),
})
const token = (did: string, code: string | null): CreateTokenData => ({
  createdAt: T0,
  updatedAt: T0,
  expiresAt: later(86_400_000),
  clientId: CLIENT,
  clientAuth: NONE,
  deviceId: null,
  did: did as CreateTokenData['did'],
  parameters,
  details: null,
  code: code as Code | null,
  scope: 'atproto transition:generic',
})
const rid = (s: string): RequestId => `req-${s}`
const tid = (s: string): TokenId => `tok-${s}`
const rt = (s: string): RefreshToken => `ref-${s}`
const dev = (s: string): DeviceId => `dev-${s}`
const code = (s: string): Code => `cod-${s}`

/**
 * What every implementation of `OAuthStores` must do, whatever it stores in: one suite per store
 * interface, run in turn on one set of stores (each suite uses ids of its own).
 */
export function oauthStoreConformance(target: OAuthStoreTarget): void {
  t.test(`OAuth stores on ${target.name}`, { skip: target.skip ?? false }, async (t) => {
    const stores = await target.open()
    t.teardown(() => stores.close())
    for (const [name, fn] of suites) await t.test(name, (t) => fn(stores, t))
  })
}

const suites: [string, (s: OAuthStores, t: Test) => Promise<void>][] = []
const suite = (name: string, fn: (s: OAuthStores, t: Test) => Promise<void>) =>
  void suites.push([name, fn])

suite('requests: create, read, update, delete; a code is consumed once', async (s, t) => {
  const r = s.requests
  t.equal(await r.readRequest(rid('none')), null, 'unknown: null')
  await r.createRequest(rid('a'), request())
  t.same(await r.readRequest(rid('a')), request(), 'read back as written')
  await r.updateRequest(rid('a'), { did: ALICE, deviceId: dev('1'), code: code('a') })
  t.same(
    await r.readRequest(rid('a')),
    request({ did: ALICE, deviceId: dev('1'), code: code('a') }),
    'an update changes only what it names',
  )
  await r.updateRequest(rid('a'), { expiresAt: later(1) })
  t.same((await r.readRequest(rid('a')))?.expiresAt, later(1))
  t.equal((await r.readRequest(rid('a')))?.did, ALICE, 'and keeps the rest')

  t.equal(await r.consumeRequestCode(code('unknown')), null, 'an unknown code finds nothing')
  const found = await r.consumeRequestCode(code('a'))
  t.equal(found?.requestId, rid('a'))
  t.equal(found?.data.did, ALICE)
  t.equal(await r.consumeRequestCode(code('a')), null, 'a consumed code is gone')
  t.equal(await r.readRequest(rid('a')), null, 'and its request with it')

  await r.createRequest(rid('b'), request({ code: code('b') }))
  const both = await Promise.all([r.consumeRequestCode(code('b')), r.consumeRequestCode(code('b'))])
  t.equal(both.filter(Boolean).length, 1, 'of two concurrent exchanges, one wins')

  await r.createRequest(rid('c'), request())
  await r.deleteRequest(rid('c'))
  t.equal(await r.readRequest(rid('c')), null, 'deleted')
})

suite('devices: create, read, partial update, delete', async (s, t) => {
  const d = s.devices
  t.equal(await d.readDevice(dev('none')), null)
  await d.createDevice(dev('solo'), device(9))
  t.same(await d.readDevice(dev('solo')), device(9))
  await d.updateDevice(dev('solo'), { lastSeenAt: later(99), ipAddress: '10.9.9.9' })
  t.same(await d.readDevice(dev('solo')), {
    ...device(9),
    lastSeenAt: later(99),
    ipAddress: '10.9.9.9',
  })
  await d.deleteDevice(dev('solo'))
  t.equal(await d.readDevice(dev('solo')), null)
})

suite(
  'device accounts: upsert, list both ways, remove; a device takes its accounts along',
  async (s, t) => {
    const da = s.deviceAccounts
    await s.devices.createDevice(dev('1'), device(1))
    await s.devices.createDevice(dev('2'), device(2))
    await t.rejects(da.upsertDeviceAccount(dev('none'), ALICE), 'an unknown device is refused')

    await da.upsertDeviceAccount(dev('1'), ALICE)
    await da.upsertDeviceAccount(dev('1'), BOB)
    await da.upsertDeviceAccount(dev('2'), ALICE)
    const first = await da.getDeviceAccount(dev('1'), ALICE)
    t.match(first, { deviceId: dev('1'), did: ALICE, deviceData: device(1) })
    t.ok(first?.createdAt instanceof Date && first.updatedAt instanceof Date)
    await da.upsertDeviceAccount(dev('1'), ALICE)
    const again = await da.getDeviceAccount(dev('1'), ALICE)
    t.same(again?.createdAt, first?.createdAt, 'an upsert keeps the first sign-in time')
    t.ok(again!.updatedAt >= first!.updatedAt)

    await s.devices.updateDevice(dev('1'), { userAgent: 'new agent' })
    t.equal(
      (await da.getDeviceAccount(dev('1'), ALICE))?.deviceData.userAgent,
      'new agent',
      "a record carries the device's current data",
    )
    const byDid = await da.listDeviceAccounts({ did: ALICE })
    t.same(byDid.map((r) => r.deviceId).sort(), [dev('1'), dev('2')])
    const byDevice = await da.listDeviceAccounts({ deviceId: dev('1') })
    t.same(byDevice.map((r) => r.did).sort(), [ALICE, BOB])

    await da.removeDeviceAccount(dev('1'), BOB)
    t.equal(await da.getDeviceAccount(dev('1'), BOB), null)
    await da.removeAccount(ALICE)
    t.same(await da.listDeviceAccounts({ did: ALICE }), [], 'signed out of every device')

    await da.upsertDeviceAccount(dev('2'), BOB)
    await s.devices.deleteDevice(dev('2'))
    t.same(await da.listDeviceAccounts({ deviceId: dev('2') }), [], 'gone with its device')
  },
)

suite('authorized clients: set replaces, list by accounts', async (s, t) => {
  const a = s.authorizedClients
  const other = 'https://other.example/client-metadata.json' as ClientId
  t.same(await a.listAuthorizedClients([]), new Map())
  await a.setAuthorizedClient(ALICE, CLIENT, { authorizedScopes: ['atproto'] })
  await a.setAuthorizedClient(ALICE, CLIENT, {
    authorizedScopes: ['atproto', 'transition:generic'],
  })
  await a.setAuthorizedClient(ALICE, other, { authorizedScopes: ['atproto'] })
  const listed = await a.listAuthorizedClients([ALICE, BOB])
  t.same([...listed.keys()].sort(), [ALICE, BOB], 'every account asked for is in the answer')
  t.same(listed.get(BOB), new Map(), 'an account with none: empty')
  t.same(listed.get(ALICE)?.get(CLIENT), { authorizedScopes: ['atproto', 'transition:generic'] })
  t.same(listed.get(ALICE)?.get(other), { authorizedScopes: ['atproto'] })
})

suite('tokens: create, find by code and refresh token, rotate, replay, revoke', async (s, t) => {
  const k = s.tokens
  t.equal(await k.readToken(tid('none')), null)
  await k.createToken(tid('1'), token(ALICE, code('1')), rt('1'))
  const read = await k.readToken(tid('1'))
  t.match(read, { id: tid('1'), currentRefreshToken: rt('1') })
  t.same(read?.data, token(ALICE, code('1')), 'data read back as written')
  t.equal((await k.findTokenByCode(code('1')))?.id, tid('1'))
  t.equal(await k.findTokenByCode(code('none')), null)
  t.equal((await k.findTokenByRefreshToken(rt('1')))?.id, tid('1'))

  await k.rotateToken(tid('1'), tid('2'), rt('2'), {
    clientAuth: NONE,
    expiresAt: later(2 * 86_400_000),
    updatedAt: later(60_000),
    scope: 'atproto',
  })
  t.equal(await k.readToken(tid('1')), null, 'the old id is gone')
  const rotated = await k.readToken(tid('2'))
  t.equal(rotated?.currentRefreshToken, rt('2'))
  t.same(rotated?.data.expiresAt, later(2 * 86_400_000))
  t.same(rotated?.data.updatedAt, later(60_000))
  t.equal(rotated?.data.scope, 'atproto')
  t.same(rotated?.data.createdAt, T0, 'what the rotation does not name is kept')
  t.equal(rotated?.data.did, ALICE)
  t.equal(
    (await k.findTokenByRefreshToken(rt('1')))?.id,
    tid('2'),
    'a rotated-out refresh token still finds the session (replay detection)',
  )
  await t.rejects(
    k.rotateToken(tid('2'), tid('3'), rt('1'), {
      clientAuth: NONE,
      expiresAt: later(1),
      updatedAt: later(1),
      scope: 'atproto',
    }),
    'a used refresh token is never issued again',
  )
  await t.rejects(k.createToken(tid('x'), token(BOB, null), rt('1')), 'nor given to a new session')
  await t.rejects(
    k.rotateToken(tid('none'), tid('4'), rt('4'), {
      clientAuth: NONE,
      expiresAt: later(1),
      updatedAt: later(1),
      scope: 'atproto',
    }),
    'an unknown session cannot rotate',
  )

  await k.createToken(tid('b'), token(BOB, code('b')))
  t.equal((await k.readToken(tid('b')))?.currentRefreshToken, null, 'no refresh token: null')
  await k.createToken(tid('a2'), token(ALICE, null), rt('a2'))
  t.same(
    (await k.listAccountTokens(ALICE)).map((r) => r.id).sort(),
    [tid('2'), tid('a2')],
    "an account's sessions",
  )
  await k.deleteToken(tid('a2'))
  t.same(
    (await k.listAccountTokens(ALICE)).map((r) => r.id),
    [tid('2')],
  )
  t.equal(await k.deleteAccountTokens(ALICE), 1, 'revoking an account counts its sessions')
  t.same(await k.listAccountTokens(ALICE), [])
  t.equal(await k.findTokenByRefreshToken(rt('1')), null, 'its used refresh tokens go too')
  t.equal((await k.readToken(tid('b')))?.data.did, BOB, "another account's session stays")
})

suite('lexicons: store replaces, find, delete', async (s, t) => {
  const l = s.lexicons
  const data: LexiconData = {
    createdAt: T0,
    updatedAt: T0,
    lastSucceededAt: null,
    uri: null,
    lexicon: null,
  }
  t.equal(await l.findLexicon('com.example.perms'), null)
  await l.storeLexicon('com.example.perms', data)
  t.same(await l.findLexicon('com.example.perms'), data)
  const doc = { lexicon: 1, id: 'com.example.perms', defs: {} } as LexiconData['lexicon']
  const next = {
    ...data,
    updatedAt: later(5),
    lastSucceededAt: later(5),
    uri: 'at://x',
    lexicon: doc,
  }
  await l.storeLexicon('com.example.perms', next)
  t.same(await l.findLexicon('com.example.perms'), next, 'a second store replaces the first')
  await l.deleteLexicon('com.example.perms')
  t.equal(await l.findLexicon('com.example.perms'), null)
})

suite('replay: a nonce is unique once per namespace while its time frame lasts', async (s, t) => {
  const r = s.replay
  t.equal(await r.unique('dpop', 'n1', 60_000), true, 'first use')
  t.equal(await r.unique('dpop', 'n1', 60_000), false, 'a replay')
  t.equal(await r.unique('client-assertion', 'n1', 60_000), true, 'another namespace')
  t.equal(await r.unique('dpop', 'n2', 60_000), true, 'another nonce')
  // a time frame already over: the use is forgotten at once
  t.equal(await r.unique('dpop', 'n3', -60_000), true)
  t.equal(await r.unique('dpop', 'n3', 60_000), true, 'an expired use is no replay')
  t.equal(await r.unique('dpop', 'n3', 60_000), false, 'the new use counts')
})

suite('scope refs: put is idempotent, get', async (s, t) => {
  const sr = s.scopeRefs
  t.equal(await sr.getScope('ref-none'), null)
  await sr.putScope('ref-1', 'atproto repo:app.bsky.feed.post')
  await sr.putScope('ref-1', 'atproto repo:app.bsky.feed.post')
  t.equal(await sr.getScope('ref-1'), 'atproto repo:app.bsky.feed.post')
})
