import t from 'tap'
import { buildHarness, didDoc, fleetHost, startUpstream, waitFor } from './helpers.js'

/** A PDS that hangs up on every request while `down`, and answers 200 (its `_health` too) once up. */
async function switchablePds() {
  const state = { down: true, health: 0 }
  const up = await startUpstream((req, res) => {
    if (req.url === '/xrpc/_health') state.health++
    if (state.down) {
      req.socket.destroy()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  return { up, state }
}

t.test(
  "consecutive failures open a host's circuit: fast 503 UpstreamUnavailable naming the host; a probe closes it",
  async (t) => {
    const { up, state } = await switchablePds()
    t.teardown(() => up.close())
    const other = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"other":true}')
    })
    t.teardown(() => other.close())
    const h = await buildHarness(t, {
      hosts: [fleetHost(up.url, 'did:web:a.test'), fleetHost(other.url, 'did:web:b.test')],
      overrides: { circuitThreshold: 3, circuitOpenMs: 2_000 },
    })
    const a = 'did:plc:onhosta'
    const b = 'did:plc:onhostb'
    h.docs.set(a, didDoc(a, up.url))
    h.docs.set(b, didDoc(b, other.url))
    const authA = { authorization: `Bearer ${await h.token(a)}` }
    const authB = { authorization: `Bearer ${await h.token(b)}` }
    const getA = () => h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers: authA })

    for (let i = 0; i < 3; i++) {
      const res = await getA()
      t.equal(res.statusCode, 502, `failure ${i + 1} reaches the PDS: 502`)
    }
    t.equal(up.hits, 3)
    const refused = await getA()
    t.equal(refused.statusCode, 503, 'the circuit is open: 503')
    t.equal(refused.json().error, 'UpstreamUnavailable')
    t.match(refused.json().message, /did:web:a\.test/, 'the message names the host by its DID')
    t.match(
      refused.json().message,
      new RegExp(up.url.replace(/[.:/]/g, '\\$&')),
      'and its public origin',
    )
    t.equal(refused.headers['retry-after'], '2', 'retry-after: the open period left')
    t.equal(up.hits, 3, 'no request reached the PDS while its circuit is open')

    const bRes = await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers: authB })
    t.equal(bRes.statusCode, 200, 'another host is unaffected')

    // the open period passes while the PDS is still down: the probe fails, the circuit stays open
    h.clock.now += 2_001
    t.equal(
      (await getA()).statusCode,
      503,
      'the request that starts a probe is refused too (it never waits on it)',
    )
    await waitFor(() => state.health === 1)
    await new Promise((r) => setTimeout(r, 50))
    t.equal((await getA()).statusCode, 503, 'a failed probe keeps the circuit open')

    state.down = false
    t.equal((await getA()).statusCode, 503, 'up again, but no probe is due yet')
    h.clock.now += 2_001
    t.equal((await getA()).statusCode, 503, 'this request starts the probe')
    await waitFor(() => state.health === 2)
    await waitFor(async () => (await getA()).statusCode === 200, 2_000)
    t.pass('the answered probe closed the circuit: 200')
  },
)

t.test('a PDS that answers with errors is up: 5xx answers never open the circuit', async (t) => {
  const sick = await startUpstream((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' })
    res.end('{"error":"InternalServerError"}')
  })
  t.teardown(() => sick.close())
  const h = await buildHarness(t, {
    hosts: [fleetHost(sick.url, 'did:web:a.test')],
    overrides: { circuitThreshold: 2 },
  })
  const did = 'did:plc:sick'
  h.docs.set(did, didDoc(did, sick.url))
  const headers = { authorization: `Bearer ${await h.token(did)}` }
  for (let i = 0; i < 5; i++)
    t.equal(
      (await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })).statusCode,
      500,
    )
  t.equal(sick.hits, 5, 'every request reached it')
})

t.test(
  'a success between failures resets the count: only consecutive failures open the circuit',
  async (t) => {
    let n = 0
    const flaky = await startUpstream((req, res) => {
      // fails twice, answers once, over and over
      if (n++ % 3 !== 2) {
        req.socket.destroy()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
    })
    t.teardown(() => flaky.close())
    const h = await buildHarness(t, {
      hosts: [fleetHost(flaky.url, 'did:web:a.test')],
      overrides: { circuitThreshold: 3 },
    })
    const did = 'did:plc:flaky'
    h.docs.set(did, didDoc(did, flaky.url))
    const headers = { authorization: `Bearer ${await h.token(did)}` }
    const statuses: number[] = []
    for (let i = 0; i < 9; i++)
      statuses.push(
        (await h.app.inject({ url: '/xrpc/app.bsky.feed.getTimeline', headers })).statusCode,
      )
    t.same(statuses, [502, 502, 200, 502, 502, 200, 502, 502, 200])
  },
)

t.test('circuit options are validated', async (t) => {
  for (const bad of [{ circuitThreshold: 0 }, { circuitOpenMs: -1 }, { circuitThreshold: 1.5 }]) {
    await t.rejects(
      buildHarness(t, { overrides: bad }),
      { name: 'EntrywayConfigError' },
      JSON.stringify(bad),
    )
  }
})
