import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildEmbeddedServer } from '../src/server.js'

t.test('session and proxy plugins work inside an existing Fastify server', async (t) => {
  // A stand-in PDS: a real HTTP server that echoes what it received.
  const pds = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ url: req.url, authorization: req.headers.authorization ?? null }))
  })
  await new Promise<void>((r) => pds.listen(0, '127.0.0.1', () => r()))
  t.teardown(() => new Promise<void>((r) => pds.close(() => r())))
  const pdsUrl = `http://127.0.0.1:${(pds.address() as AddressInfo).port}`
  const did = 'did:plc:embeddedalice0000000000'
  const doc = {
    id: did,
    alsoKnownAs: ['at://alice.example'],
    service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: pdsUrl }],
  }
  const { app, addAccount } = await buildEmbeddedServer({
    pdsUrl,
    pdsDid: 'did:web:pds.example',
    didResolver: { resolve: async (d) => (d === did ? doc : null) },
  })
  t.teardown(() => app.close())
  await addAccount({ did, handle: 'alice.example', password: 'hunter2hunter2' })

  const own = await app.inject({ url: '/hello' })
  t.same(own.json(), { hello: 'from your own app' }, 'the host app keeps its own routes')

  const wrong = await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createSession',
    payload: { identifier: 'alice.example', password: 'nope' },
  })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().error, 'AuthenticationRequired')

  const login = await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createSession',
    payload: { identifier: 'alice.example', password: 'hunter2hunter2' },
  })
  t.equal(login.statusCode, 200)
  const { accessJwt, did: loggedIn } = login.json()
  t.equal(loggedIn, did)

  const proxied = await app.inject({
    url: '/xrpc/com.atproto.repo.listRecords?repo=alice.example&collection=app.bsky.feed.post',
    headers: { authorization: `Bearer ${accessJwt}` },
  })
  t.equal(proxied.statusCode, 200, 'other XRPC calls go to the account\'s PDS')
  t.equal(proxied.json().authorization, `Bearer ${accessJwt}`, 'the token passes through unchanged')
  t.match(proxied.json().url, /^\/xrpc\/com\.atproto\.repo\.listRecords/)
})
