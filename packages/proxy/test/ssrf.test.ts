import t from 'tap'
import { createServer, type AddressInfo } from 'node:net'
import { buildHarness, didDoc, echo, fleetHost, startUpstream } from './helpers.js'
import { isPublicAddress } from '../src/address-guard.js'

t.test('a DID document naming a non-fleet address is never forwarded to', async (t) => {
  const fleet = await startUpstream(echo)
  const outsider = await startUpstream(echo) // loopback, but not registered
  t.teardown(() => fleet.close())
  t.teardown(() => outsider.close())
  const h = await buildHarness(t, {
    hosts: [fleetHost(fleet.url, 'did:web:a.test')],
    // even an allow-listed origin is refused when it is a private IP literal
    overrides: { allowedOrigins: ['https://10.0.0.5', 'https://partner-pds.example.com'] },
  })
  const cases: Array<[string, string]> = [
    ['did:plc:postgres', 'http://127.0.0.1:5432'],
    ['did:plc:outsider', outsider.url],
    ['did:plc:metadata', 'http://169.254.169.254'],
    ['did:plc:v6', 'http://[::1]:2583'],
    ['did:plc:private', 'https://10.0.0.5'],
    ['did:plc:elsewhere', 'https://evil.example.net'],
  ]
  for (const [did, endpoint] of cases) {
    h.docs.set(did, didDoc(did, endpoint))
    // authenticated (token subject) and unauthenticated (repo param) alike
    const a = await h.app.inject({
      url: '/xrpc/app.bsky.feed.getTimeline',
      headers: { authorization: `Bearer ${await h.token(did)}` },
    })
    t.equal(a.statusCode, 403, `${endpoint} (token)`)
    t.equal(a.json().error, 'UpstreamNotAllowed')
    const u = await h.app.inject({ url: `/xrpc/com.atproto.sync.getRepo?did=${did}` })
    t.equal(u.statusCode, 403, `${endpoint} (repo param)`)
  }
  t.equal(outsider.hits, 0, 'the non-fleet server saw nothing')
  t.equal(fleet.hits, 0)

  t.test('an account row cannot override a hostile document either', async (t) => {
    const did = 'did:plc:rowed'
    h.accounts.set(did, fleet.url)
    h.docs.set(did, didDoc(did, 'http://127.0.0.1:5432'))
    await h.didCache.resolve(did)
    const res = await h.app.inject({ url: `/xrpc/com.atproto.sync.getRepo?did=${did}` })
    t.equal(res.statusCode, 403)
  })
})

t.test(
  'an allow-listed name that resolves to loopback is refused at connect time (DNS rebinding)',
  async (t) => {
    // A bare TCP listener counts connection attempts: without the guard the TLS handshake to it
    // fails too, but only after a connection was made. With it, nothing ever connects.
    let connections = 0
    const local = createServer((socket) => {
      connections++
      socket.destroy()
    })
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise((resolve) => local.close(resolve)))
    const port = (local.address() as AddressInfo).port
    const h = await buildHarness(t, {
      overrides: { allowedOrigins: [`https://localhost:${port}`] },
    })
    const did = 'did:plc:rebind'
    h.docs.set(did, didDoc(did, `https://localhost:${port}`))
    const res = await h.app.inject({ url: `/xrpc/com.atproto.sync.getRepo?did=${did}` })
    t.equal(
      res.statusCode,
      403,
      "the client named a DID whose PDS is not allowed: a 4xx, not the upstream's failure",
    )
    t.same(
      res.json(),
      {
        error: 'UpstreamNotAllowed',
        message: 'The PDS of that account is not one this Entryway forwards to',
      },
      'refused as a non-public address, not an unreachable PDS',
    )
    t.equal(connections, 0, 'no connection was attempted')
  },
)

t.test('address classification', async (t) => {
  for (const ip of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
  ]) {
    t.notOk(isPublicAddress(ip), ip)
  }
  for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    t.ok(isPublicAddress(ip), ip)
  }
  t.notOk(isPublicAddress('not-an-ip'))
})
