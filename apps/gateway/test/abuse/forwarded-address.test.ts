import t from 'tap'
import { TrustedForwarders } from '../../src/wire/trusted-forwarders.js'
import { abuseGateway, xrpc } from './helpers.js'

// Finding 6, in-process (the fleet e2e test runs it through a real PDS): with no load balancer
// trusted, x-forwarded-for is believed from a registered fleet host's address only. The seeded
// host is http://localhost:1, so 127.0.0.1 plays the PDS; 127.0.0.2 is any other client.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}

t.test("x-forwarded-for counts from a fleet host's address, and only from there", async (t) => {
  const g = await abuseGateway(t, [ALICE], { ENTRYWAY_TRUST_PROXY: 'false' })
  t.ok(g.gw.forwarders.fleetAddresses.includes('127.0.0.1'), 'the fleet host is looked up at start')
  const E = g.url.replace('localhost', '127.0.0.1')
  const viaPds = (identifier: string, password: string, user: string) =>
    xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier, password },
      xff: user,
      localAddress: '127.0.0.1',
    })

  const codes: number[] = []
  for (let i = 0; i < 31; i++)
    codes.push((await viaPds(ALICE.handle, `guess-${i}`, '203.0.113.66')).status)
  t.equal(codes[30], 429, 'the attacker behind the PDS is locked out')
  t.equal(
    (await viaPds(ALICE.handle, ALICE.password, '198.51.100.77')).status,
    200,
    'the owner behind the same PDS is not',
  )

  const direct: number[] = []
  for (let i = 0; i < 31; i++) {
    direct.push(
      (
        await xrpc(E, 'com.atproto.server.createSession', {
          body: { identifier: 'ghost.example.test', password: 'x' },
          xff: `198.18.0.${i}`,
          localAddress: '127.0.0.2',
        })
      ).status,
    )
  }
  t.equal(direct[30], 429, 'another client cannot pick a fresh address per try')
})

t.test(
  'trusted forwarders: configured names and subnets, fleet addresses, nobody else',
  async (t) => {
    const f = new TrustedForwarders('10.1.2.3, 192.168.0.0/16, loopback')
    t.ok(f.trusts('10.1.2.3'))
    t.ok(f.trusts('::ffff:192.168.4.5'))
    t.ok(f.trusts('127.0.0.9') && f.trusts('::1'))
    t.notOk(f.trusts('10.1.2.4'))
    await f.refresh(['https://203.0.113.5', 'http://[2001:db8::7]:2600'], { warn: () => {} })
    t.ok(f.trusts('203.0.113.5') && f.trusts('2001:db8::7'), 'fleet hosts')
    t.notOk(new TrustedForwarders(false).trusts('127.0.0.1'), 'false: nobody')
    t.ok(new TrustedForwarders(true).trusts('198.51.100.1'), 'true: everybody')
    t.throws(() => new TrustedForwarders('not-an-address'), /ENTRYWAY_TRUST_PROXY/)
  },
)
