import t from 'tap'
import { buildHarness, didDoc, echo, fleetHost, startUpstream } from './helpers.js'

t.test(
  'request and response headers pass through; XFF is the client the Entryway saw',
  async (t) => {
    const up = await startUpstream(echo)
    t.teardown(() => up.close())
    const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')] })
    const did = 'did:plc:hdr'
    h.docs.set(did, didDoc(did, up.url))
    const tok = await h.token(did)
    const res = await h.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.repo.createRecord',
      remoteAddress: '203.0.113.9',
      headers: {
        authorization: `Bearer ${tok}`,
        'atproto-proxy': 'did:web:api.bsky.app#bsky_appview',
        'atproto-accept-labelers': 'did:plc:mod;redact',
        'accept-language': 'fr, en;q=0.5',
        'content-type': 'application/json',
        'x-forwarded-for': '6.6.6.6',
        'x-ratelimit-bypass': 'guessed',
      },
      payload: JSON.stringify({
        repo: did,
        collection: 'app.bsky.feed.post',
        record: { text: 'hé' },
      }),
    })
    t.equal(res.statusCode, 200)
    const seen = res.json()
    t.equal(seen.headers.authorization, `Bearer ${tok}`)
    t.equal(seen.headers['atproto-proxy'], 'did:web:api.bsky.app#bsky_appview')
    t.equal(seen.headers['atproto-accept-labelers'], 'did:plc:mod;redact')
    t.equal(seen.headers['accept-language'], 'fr, en;q=0.5')
    t.equal(seen.headers['content-type'], 'application/json')
    t.equal(
      seen.headers['x-forwarded-for'],
      '203.0.113.9',
      'a spoofed XFF is replaced by the real client',
    )
    t.notOk(seen.headers['x-ratelimit-bypass'], 'the PDS bypass header never comes from clients')
    t.equal(JSON.parse(seen.body).record.text, 'hé', 'JSON body forwarded byte for byte')
    t.equal(res.headers['atproto-content-labelers'], 'did:plc:labeler')
    t.equal(res.headers['ratelimit-remaining'], '2999')
    t.notOk(res.headers['keep-alive'], 'hop-by-hop headers are not relayed')
  },
)

t.test('content-encoding and binary bodies are forwarded untouched', async (t) => {
  const up = await startUpstream(echo)
  t.teardown(() => up.close())
  const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')] })
  const did = 'did:plc:bin'
  h.docs.set(did, didDoc(did, up.url))
  const res = await h.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.repo.uploadBlob',
    headers: {
      authorization: `Bearer ${await h.token(did)}`,
      'content-type': 'image/jpeg',
      'content-encoding': 'identity',
    },
    payload: Buffer.from('\xff\xd8jpeg', 'latin1'),
  })
  t.equal(res.statusCode, 200)
  t.equal(res.json().headers['content-encoding'], 'identity')
  t.equal(res.json().headers['content-type'], 'image/jpeg')
})
