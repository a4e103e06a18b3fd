// @serial-test: asserts elapsed times, which a parallel file's load would skew
import t from 'tap'
import { buildHarness, didDoc, echo, fleetHost, startUpstream, waitFor } from './helpers.js'

const HOUR = 3600_000

t.test(
  'a moved account is followed once its DID document refreshes; the stale row does not win',
  async (t) => {
    const a = await startUpstream(echo)
    const b = await startUpstream(echo)
    t.teardown(() => a.close())
    t.teardown(() => b.close())
    const h = await buildHarness(t, {
      hosts: [fleetHost(a.url, 'did:web:a.test'), fleetHost(b.url, 'did:web:b.test')],
    })
    const did = 'did:plc:mover'
    h.accounts.set(did, a.url) // the Entryway placed it on A
    h.docs.set(did, didDoc(did, a.url))
    const headers = { authorization: `Bearer ${await h.token(did)}` }
    const get = () => h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })

    await get()
    t.equal(a.hits, 1)
    await waitFor(() => h.didCache.peek(did) !== undefined) // the document was prefetched meanwhile

    // migration to B: PLC now says B, our row still says A
    h.docs.set(did, didDoc(did, b.url))
    await get()
    t.equal(a.hits, 2, 'fresh cached document: still A')
    h.clock.now += HOUR + 1
    await get()
    t.equal(a.hits, 3, 'stale document served at once (refresh runs in the background)')
    await waitFor(() => h.didCache.peek(did)?.service?.[0]?.serviceEndpoint === b.url)
    await get()
    t.equal(b.hits, 1, 'followed to B')
    t.equal(a.hits, 3)
  },
)

t.test(
  'AccountNotFound from the old host triggers a forced refresh, and the retry goes to the new host',
  async (t) => {
    const a = await startUpstream((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' })
      res.end('{"error":"AccountNotFound","message":"not here"}')
    })
    const b = await startUpstream(echo)
    t.teardown(() => a.close())
    t.teardown(() => b.close())
    const h = await buildHarness(t, {
      hosts: [fleetHost(a.url, 'did:web:a.test'), fleetHost(b.url, 'did:web:b.test')],
    })
    const did = 'did:plc:mover2'
    h.docs.set(did, didDoc(did, a.url))
    const headers = { authorization: `Bearer ${await h.token(did)}` }
    await h.didCache.resolve(did)
    h.docs.set(did, didDoc(did, b.url)) // moved; our cache is fresh and wrong
    const first = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })
    t.equal(first.json().error, 'ExpiredToken')
    await waitFor(() => h.didCache.peek(did)?.service?.[0]?.serviceEndpoint === b.url)
    const retry = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })
    t.equal(retry.statusCode, 200)
    t.equal(b.hits, 1)
  },
)

t.test('PLC down with a warm cache: proxied requests keep their latency', async (t) => {
  const a = await startUpstream(echo)
  t.teardown(() => a.close())
  const h = await buildHarness(t, { hosts: [fleetHost(a.url, 'did:web:a.test')] })
  const did = 'did:plc:warm'
  h.docs.set(did, didDoc(did, a.url))
  const headers = { authorization: `Bearer ${await h.token(did)}` }
  const time = async (n: number) => {
    const started = performance.now()
    for (let i = 0; i < n; i++) {
      const res = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })
      if (res.statusCode !== 200) t.fail(`status ${res.statusCode}`)
    }
    return (performance.now() - started) / n
  }
  await time(20) // warm
  const before = await time(100)
  // the outage: every PLC lookup now hangs until the resolver timeout
  h.docs.clear()
  ;(h.didCache as unknown as { o: { fetch: unknown } }).o.fetch = () => new Promise(() => {})
  // stale (a refresh is attempted) but the token, minted on the real clock, is still valid
  h.clock.now += HOUR + 1
  const during = await time(100)
  t.ok(
    during < before * 2 + 2,
    `per request: ${before.toFixed(2)} ms before, ${during.toFixed(2)} ms during the outage`,
  )
  t.equal(a.hits, 220)
})
