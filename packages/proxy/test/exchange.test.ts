import t from 'tap'
import { request, type IncomingMessage } from 'node:http'
import { buildHarness, didDoc, echo, fleetHost, startUpstream, appUrl, waitFor } from './helpers.js'

const MB = 1024 * 1024

t.test('a client that goes away mid-download aborts the upstream request', async (t) => {
  let upstreamClosedEarly = false
  let sent = 0
  const up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.ipld.car' })
    res.on('close', () => (upstreamClosedEarly = !res.writableFinished))
    const chunk = Buffer.alloc(64 * 1024, 7)
    // an endless repo export, written as fast as the socket takes it
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length
      if (!res.destroyed) res.once('drain', pump)
    }
    pump()
  })
  t.teardown(() => up.close())
  const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')], listen: true })
  const did = 'did:plc:leaver'
  h.docs.set(did, didDoc(did, up.url))
  const auth = `Bearer ${await h.token(did)}`
  await new Promise<void>((resolve) => {
    const req = request(
      `${appUrl(h.app)}/xrpc/com.atproto.sync.getRepo?did=${did}`,
      { headers: { authorization: auth } },
      (res) => {
        let got = 0
        res.on('data', (c: Buffer) => {
          got += c.length
          if (got > MB) req.destroy()
        })
        res.on('error', () => {})
        res.on('close', () => resolve())
      },
    )
    req.on('error', () => {})
    req.end()
  })
  await waitFor(() => upstreamClosedEarly, 5000)
  t.ok(upstreamClosedEarly, 'the PDS saw its response cut off, not left streaming into nothing')
  const after = sent
  await new Promise((r) => setTimeout(r, 200))
  t.equal(sent, after, 'the PDS stopped sending')
})

t.test('a slow client holds the PDS back (backpressure), then gets every byte', async (t) => {
  const TOTAL = 64 * MB
  let sent = 0
  const up = await startUpstream((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(TOTAL),
    })
    const chunk = Buffer.alloc(256 * 1024, 3)
    const pump = () => {
      while (sent < TOTAL) {
        sent += chunk.length
        if (!res.write(chunk)) return void res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  t.teardown(() => up.close())
  const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')], listen: true })
  const did = 'did:plc:slowreader'
  h.docs.set(did, didDoc(did, up.url))
  const auth = `Bearer ${await h.token(did)}`
  let res!: IncomingMessage
  await new Promise<void>((resolve, reject) => {
    const req = request(
      `${appUrl(h.app)}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=x`,
      { headers: { authorization: auth } },
      (r) => {
        res = r
        r.pause()
        resolve()
      },
    )
    req.on('error', reject)
    req.end()
  })
  await new Promise((r) => setTimeout(r, 500))
  t.ok(
    sent < 24 * MB,
    `with the client not reading, the PDS got ${(sent / MB).toFixed(1)} MB of ${TOTAL / MB} MB out`,
  )
  let got = 0
  await new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => (got += c.length))
    res.on('end', () => resolve())
    res.on('error', reject)
    res.resume()
  })
  t.equal(got, TOTAL, 'every byte arrives once the client reads')
})

t.test('a 403 JSON body too large to be an XRPC error passes through untouched', async (t) => {
  const big = JSON.stringify({ error: 'AccountNotFound', padding: 'x'.repeat(40_000) })
  const up = await startUpstream((_req, res) => {
    res.writeHead(403, { 'content-type': 'application/json' })
    res.end(big)
  })
  t.teardown(() => up.close())
  const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')] })
  const did = 'did:plc:bigerror'
  h.docs.set(did, didDoc(did, up.url))
  const res = await h.app.inject({
    url: '/xrpc/app.bsky.feed.getTimeline',
    headers: { authorization: `Bearer ${await h.token(did)}` },
  })
  t.equal(res.statusCode, 403)
  t.equal(res.body, big)
})

t.test(
  'hop-by-hop fields the client names in Connection are not forwarded; bodyless POSTs stay bodyless',
  async (t) => {
    const up = await startUpstream(echo)
    t.teardown(() => up.close())
    const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')] })
    const did = 'did:plc:hop'
    h.docs.set(did, didDoc(did, up.url))
    const auth = `Bearer ${await h.token(did)}`
    let res = await h.app.inject({
      method: 'GET',
      url: '/xrpc/app.bsky.actor.getProfile?actor=x',
      headers: {
        authorization: auth,
        connection: 'x-private-hop, keep-alive',
        'x-private-hop': 'secret',
        te: 'trailers',
        'accept-language': 'de',
      },
    })
    t.equal(res.statusCode, 200)
    let seen = res.json()
    t.notOk(seen.headers['x-private-hop'], 'a field named by Connection stays on this hop')
    t.notOk(seen.headers.te)
    t.equal(seen.headers['accept-language'], 'de')
    t.equal(seen.headers.host, new URL(up.url).host, 'the PDS sees its own host name')

    // a procedure without input (activateAccount-style): no chunked empty body the PDS would reject
    res = await h.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.repo.applyWrites',
      headers: { authorization: auth },
    })
    seen = res.json()
    t.equal(seen.method, 'POST')
    t.notOk(seen.headers['transfer-encoding'], 'no body framed')
    t.equal(seen.body, '')

    res = await h.app.inject({
      method: 'HEAD',
      url: '/xrpc/com.atproto.sync.getBlob?did=x&cid=y',
      headers: { authorization: auth },
    })
    t.equal(res.statusCode, 200)
    t.equal(res.body, '', 'HEAD answers carry no body')
  },
)

t.test(
  'headers set on the reply before the handler reach the client with the PDS answer',
  async (t) => {
    const up = await startUpstream(echo)
    t.teardown(() => up.close())
    const h = await buildHarness(t, {
      hosts: [fleetHost(up.url, 'did:web:a.test')],
      // stands in for a hook of the host app (a request id, an instance name…)
      setup: (app) =>
        app.addHook('onRequest', (_req, reply, done) => {
          reply.header('x-entryway-instance', 'gw-1')
          reply.header('ratelimit-remaining', 'overridden')
          done()
        }),
    })
    const did = 'did:plc:merge'
    h.docs.set(did, didDoc(did, up.url))
    const res = await h.app.inject({
      url: '/xrpc/app.bsky.feed.getTimeline',
      headers: { authorization: `Bearer ${await h.token(did)}` },
    })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-entryway-instance'], 'gw-1')
    t.equal(
      res.headers['ratelimit-remaining'],
      'overridden',
      'the host app wins over the PDS for a field both set',
    )
    t.equal(res.headers['atproto-content-labelers'], 'did:plc:labeler')
  },
)
