// @serial-test: asserts elapsed times, which a parallel file's load would skew
import t from 'tap'
import { buildHarness, didDoc, echo, fleetHost, startUpstream, ENTRYWAY_DID } from './helpers.js'

t.test('routing by token, by repo param, by default host; refusals', async (t) => {
  const a = await startUpstream(echo)
  const b = await startUpstream(echo)
  t.teardown(() => a.close())
  t.teardown(() => b.close())
  const h = await buildHarness(t, {
    hosts: [fleetHost(a.url, 'did:web:a.test'), fleetHost(b.url, 'did:web:b.test')],
    // what the app passes: the NSIDs the other plugins serve (admin.* is reserved by the proxy)
    overrides: {
      ownedNsids: [
        'com.atproto.server.createSession',
        'com.atproto.server.getSession',
        'com.atproto.identity.updateHandle',
      ],
    },
  })
  const alice = 'did:plc:alice'
  const bob = 'did:plc:bob'
  h.docs.set(alice, didDoc(alice, a.url))
  h.docs.set(bob, didDoc(bob, b.url))
  h.accounts.set(bob, b.url, 'bob.test')

  t.test('authenticated: the token subject picks the PDS (from the DID document)', async (t) => {
    const tok = await h.token(bob)
    const before = b.hits
    const res = await h.app.inject({
      url: '/xrpc/app.bsky.feed.getTimeline?limit=2',
      headers: { authorization: `Bearer ${tok}` },
    })
    t.equal(res.statusCode, 200)
    t.equal(b.hits, before + 1)
    t.equal(res.json().url, '/xrpc/app.bsky.feed.getTimeline?limit=2')
    t.equal(res.json().headers.authorization, `Bearer ${tok}`, 'Authorization unchanged')
  })

  t.test(
    'authenticated with no document cached: the account row routes, the document warms',
    async (t) => {
      const carol = 'did:plc:carol'
      h.accounts.set(carol, a.url)
      const tok = await h.token(carol)
      const before = a.hits
      const res = await h.app.inject({
        url: '/xrpc/com.atproto.repo.listRecords?repo=x',
        headers: { authorization: `Bearer ${tok}` },
      })
      t.equal(res.statusCode, 200)
      t.equal(a.hits, before + 1)
    },
  )

  t.test('unauthenticated: repo param (DID or a handle we manage) picks the PDS', async (t) => {
    let before = b.hits
    let res = await h.app.inject({
      url: `/xrpc/com.atproto.repo.getRecord?repo=${bob}&collection=app.bsky.feed.post&rkey=1`,
    })
    t.equal(res.statusCode, 200)
    t.equal(b.hits, before + 1)
    before = b.hits
    await h.app.inject({ url: `/xrpc/com.atproto.sync.getRepo?did=${bob}` })
    t.equal(b.hits, before + 1)
    before = b.hits
    res = await h.app.inject({ url: `/xrpc/com.atproto.repo.describeRepo?repo=bob.test` })
    t.equal(res.statusCode, 200)
    t.equal(b.hits, before + 1)
  })

  t.test(
    'unauthenticated with a repo no fleet host has: RepoNotFound, never the default host',
    async (t) => {
      const before = a.hits + b.hits
      let res = await h.app.inject({
        url: '/xrpc/com.atproto.repo.getRecord?repo=did:plc:nobody&collection=x&rkey=1',
      })
      t.equal(res.statusCode, 400)
      t.equal(res.json().error, 'RepoNotFound')
      res = await h.app.inject({
        url: '/xrpc/com.atproto.repo.describeRepo?repo=stranger.example.com',
      })
      t.equal(res.statusCode, 400)
      t.equal(a.hits + b.hits, before)
    },
  )

  t.test('unauthenticated without a repo: the first enabled healthy host', async (t) => {
    const before = a.hits
    const res = await h.app.inject({ url: '/xrpc/com.atproto.server.checkAccountStatus' })
    t.equal(res.statusCode, 200)
    t.equal(a.hits, before + 1)
  })

  t.test(
    'Entryway-owned methods are never forwarded (501 when no plugin answers them)',
    async (t) => {
      const before = a.hits + b.hits
      for (const nsid of [
        'com.atproto.server.createSession',
        'com.atproto.server.getSession',
        'com.atproto.identity.updateHandle',
        'com.atproto.admin.getAccountInfo',
      ]) {
        const res = await h.app.inject({ method: 'POST', url: `/xrpc/${nsid}`, payload: {} })
        t.equal(res.statusCode, 501, nsid)
        t.equal(res.json().error, 'MethodNotImplemented')
      }
      t.equal(a.hits + b.hits, before)
    },
  )

  t.test(
    'a PDS calling us as its appview (service JWT, aud = Entryway) gets 501, not a loop',
    async (t) => {
      const jwt = fakeJwt(
        { typ: 'JWT', alg: 'ES256K' },
        { iss: alice, aud: ENTRYWAY_DID, lxm: 'app.bsky.actor.getProfile', exp: 9e9 },
      )
      const before = a.hits + b.hits
      const started = Date.now()
      const res = await h.app.inject({
        url: '/xrpc/app.bsky.actor.getProfile?actor=x',
        headers: { authorization: `Bearer ${jwt}` },
      })
      t.equal(res.statusCode, 501)
      t.ok(Date.now() - started < 200, 'answered at once')
      t.equal(a.hits + b.hits, before)
    },
  )

  t.test('a service JWT for a fleet PDS goes to that PDS', async (t) => {
    const jwt = fakeJwt(
      { typ: 'JWT', alg: 'ES256K' },
      { iss: alice, aud: 'did:web:b.test', lxm: 'com.atproto.repo.uploadBlob', exp: 9e9 },
    )
    const before = b.hits
    const res = await h.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.repo.uploadBlob',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'image/png' },
      payload: Buffer.from('png'),
    })
    t.equal(res.statusCode, 200)
    t.equal(b.hits, before + 1)
    t.equal(res.json().body, 'png')
  })

  t.test('invalid and expired tokens are refused before any forwarding', async (t) => {
    const before = a.hits + b.hits
    const forged = (await h.token(alice)).slice(0, -4) + 'AAAA'
    let res = await h.app.inject({
      url: '/xrpc/app.bsky.feed.getTimeline',
      headers: { authorization: `Bearer ${forged}` },
    })
    t.equal(res.statusCode, 400)
    t.equal(res.json().error, 'InvalidToken')
    const { createAccessToken, AuthScope } = await import('@entryway/session')
    const old = await createAccessToken(h.keyring, {
      did: alice,
      pdsDid: 'did:web:a.test',
      scope: AuthScope.Access,
      now: Date.now() - 3 * 3600_000,
    })
    res = await h.app.inject({
      url: '/xrpc/app.bsky.feed.getTimeline',
      headers: { authorization: `Bearer ${old}` },
    })
    t.equal(res.statusCode, 400)
    t.equal(res.json().error, 'ExpiredToken')
    t.equal(a.hits + b.hits, before)
  })

  t.test('DPoP requests: a clear 400 naming the PDS of the DID document', async (t) => {
    const tok = fakeJwt(
      { typ: 'at+jwt', alg: 'ES256K' },
      { sub: alice, aud: 'did:web:a.test', exp: 9e9 },
    )
    const res = await h.app.inject({
      url: '/xrpc/app.bsky.feed.getTimeline',
      headers: { authorization: `DPoP ${tok}`, dpop: 'proof' },
    })
    t.equal(res.statusCode, 400)
    t.match(res.json().message, /DPoP/)
    t.ok(res.json().message.includes(a.url), 'names the PDS URL')
  })
})

function fakeJwt(header: object, payload: object): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b(header)}.${b(payload)}.${Buffer.alloc(64).toString('base64url')}`
}
