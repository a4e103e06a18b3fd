// @serial-test: asserts elapsed times, which a parallel file's load would skew
import t from 'tap'
import { request } from 'node:http'
import { buildHarness, didDoc, fleetHost, startUpstream, appUrl, waitFor } from './helpers.js'

t.test('a PDS that refuses connections: 502 XRPC JSON, fast', async (t) => {
  const gone = await startUpstream(() => {})
  const url = gone.url
  await gone.close()
  // timeouts far away: a refusal must not wait for any of them (a ratio, not the machine's speed)
  const TIMEOUT_MS = 30_000
  const h = await buildHarness(t, {
    hosts: [fleetHost(url, 'did:web:a.test')],
    overrides: { connectTimeoutMs: TIMEOUT_MS, upstreamTimeoutMs: TIMEOUT_MS },
  })
  const did = 'did:plc:refused'
  h.docs.set(did, didDoc(did, url))
  const headers = { authorization: `Bearer ${await h.token(did)}` }
  const first = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })
  t.equal(first.statusCode, 502)
  t.equal(first.json().error, 'UpstreamFailure')
  // timed once the token is verified and cached: the refusal itself must be quick
  const started = Date.now()
  const res = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })
  const took = Date.now() - started
  t.equal(res.statusCode, 502)
  t.ok(took < TIMEOUT_MS / 10, `answered in ${took} ms, not at a timeout`)
})

t.test('a stalled PDS: 504 at the configured timeout, never a hang', async (t) => {
  const stalled = await startUpstream(() => {}) // accepts, never answers
  t.teardown(() => stalled.close())
  const h = await buildHarness(t, {
    hosts: [fleetHost(stalled.url, 'did:web:a.test')],
    overrides: { upstreamTimeoutMs: 300 },
  })
  const did = 'did:plc:stalled'
  h.docs.set(did, didDoc(did, stalled.url))
  const headers = { authorization: `Bearer ${await h.token(did)}` }
  await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers }) // verifies and caches the token
  const started = Date.now()
  const res = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })
  const took = Date.now() - started
  t.equal(res.statusCode, 504)
  t.equal(res.json().error, 'UpstreamTimeout')
  // undici arms header timeouts on its coarse (1 s resolution) timer: 300 ms fires within ~1.3 s
  t.ok(took >= 250 && took < 2500, `504 after ${took} ms`)
})

t.test('no retries: a failed POST is sent once, a GET answered 503 is relayed once', async (t) => {
  const flaky = await startUpstream((req, res) => {
    if (req.method === 'POST') {
      req.socket.destroy()
      return
    }
    res.writeHead(503, { 'content-type': 'application/json' })
    res.end('{"error":"NotReady"}')
  })
  t.teardown(() => flaky.close())
  const h = await buildHarness(t, { hosts: [fleetHost(flaky.url, 'did:web:a.test')] })
  const did = 'did:plc:flaky'
  h.docs.set(did, didDoc(did, flaky.url))
  const auth = { authorization: `Bearer ${await h.token(did)}` }
  let res = await h.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.repo.createRecord',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: '{}',
  })
  t.equal(res.statusCode, 502)
  t.equal(flaky.hits, 1, 'POST not retried')
  res = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers: auth })
  t.equal(res.statusCode, 503)
  t.equal(flaky.hits, 2, 'GET 503 not retried')
})

t.test(
  'a PDS killed mid-stream: the client sees an aborted response, the Entryway keeps serving',
  async (t) => {
    let killNext = true
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ipld.car' })
      if (killNext) {
        killNext = false
        res.write(Buffer.alloc(256 * 1024, 1))
        setImmediate(() => res.socket?.destroy())
        return
      }
      res.end('ok')
    })
    t.teardown(() => up.close())
    const h = await buildHarness(t, { hosts: [fleetHost(up.url, 'did:web:a.test')], listen: true })
    const did = 'did:plc:killed'
    h.docs.set(did, didDoc(did, up.url))
    const auth = `Bearer ${await h.token(did)}`
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('hang'), 5000)
      const req = request(
        `${appUrl(h.app)}/xrpc/com.atproto.sync.getRepo?did=${did}`,
        { headers: { authorization: auth } },
        (res) => {
          res.on('data', () => {})
          res.on('end', () => (clearTimeout(timer), resolve('complete')))
          res.on('aborted', () => (clearTimeout(timer), resolve('aborted')))
          res.on('error', () => (clearTimeout(timer), resolve('aborted')))
        },
      )
      req.on('error', () => (clearTimeout(timer), resolve('aborted')))
      req.end()
    })
    t.equal(outcome, 'aborted', 'the truncated body is not passed off as complete')
    const res = await fetch(`${appUrl(h.app)}/xrpc/com.atproto.sync.getRepo?did=${did}`, {
      headers: { authorization: auth },
    })
    t.equal(res.status, 200)
    t.equal(await res.text(), 'ok')
    await waitFor(() => up.hits === 2)
  },
)

t.test(
  "a body shorter than its content-length is the client's 400, not a 502 (found by the route fuzz)",
  async (t) => {
    const pds = await startUpstream((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{}')
      })
    })
    t.teardown(() => pds.close())
    const h = await buildHarness(t, { hosts: [fleetHost(pds.url, 'did:web:a.test')] })
    const did = 'did:plc:truncated'
    h.docs.set(did, didDoc(did, pds.url))
    const headers = {
      authorization: `Bearer ${await h.token(did)}`,
      'content-type': 'application/json',
      'content-length': '12',
    }
    const res = await h.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.repo.createRecord',
      headers,
      payload: '{}',
    })
    t.equal(res.statusCode, 400)
    t.same(res.json(), {
      error: 'InvalidRequest',
      message: 'The request body does not match its content-length',
    })
  },
)
