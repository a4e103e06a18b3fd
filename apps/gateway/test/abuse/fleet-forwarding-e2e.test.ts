import t from 'tap'
import { startFleet } from '@entryway/testkit'
import { listenOnFleet } from '../in-process-gateway.js'
import { TrustedForwarders } from '../../src/wire/trusted-forwarders.js'
import { xrpc } from './helpers.js'

// Against a real PDS in entryway mode and a real PLC, with no load balancer trusted
// (ENTRYWAY_TRUST_PROXY=false):
// - finding 6: a fleet PDS forwards createSession / deleteAccount with the user's address in
//   x-forwarded-for; the Entryway believes it from registered fleet hosts (and only from them),
//   so one attacker behind a PDS cannot lock out everyone else arriving through it;
// - finding 1 through the PDS: deleteAccount guesses forwarded by the PDS count per attacker;
// - finding 13c: a replayed sign-up gets no tokens once the password changed.
// The PDS trusts its loopback caller's x-forwarded-for, so this test plays distinct users by
// sending it to the PDS.

t.setTimeout(240_000)

t.test('trusted forwarders: configured names and subnets, fleet addresses, nobody else', async (t) => {
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
})

t.test('users behind one PDS keep their own address at the Entryway', async (t) => {
  const fleet = await startFleet({ pdsCount: 1, gateway: false, mail: false, gatewayEnv: { ENTRYWAY_TRUST_PROXY: 'false' } })
  t.teardown(() => fleet.stop())
  const gw = await listenOnFleet(t, fleet)
  const E = fleet.entryway.url
  const P = fleet.pds[0]!.url
  t.ok(gw.ctx.forwarders!.fleetAddresses.includes('127.0.0.1'), `the PDS's address is trusted (${gw.ctx.forwarders!.fleetAddresses.join(', ')})`)

  const handle = `alice${Date.now().toString(36)}${fleet.handleDomains[0]}`
  const signup = { handle, email: `${handle.replace(/\./g, '-')}@mail.test`, password: 'alice-first-password' }
  let created = await xrpc(E, 'com.atproto.server.createAccount', { body: signup })
  for (let i = 0; i < 80 && created.status !== 200 && /Unavailable|NoHost|Upstream/i.test(String(created.body.error)); i++) {
    await new Promise((r) => setTimeout(r, 250))
    created = await xrpc(E, 'com.atproto.server.createAccount', { body: signup })
  }
  t.equal(created.status, 200, `signed up ${JSON.stringify(created.body.error ?? '')}`)
  const did = created.body.did as string

  t.test('an attacker behind the PDS locks out only themselves', async (t) => {
    const attacker = '203.0.113.66'
    const codes: number[] = []
    for (let i = 0; i < 31; i++) codes.push((await xrpc(P, 'com.atproto.server.createSession', { body: { identifier: handle, password: `guess-${i}` }, xff: attacker })).status)
    t.same(codes.slice(0, 30), Array(30).fill(401), 'the attacker: 30 × 401')
    t.equal(codes[30], 429, 'then 429')
    const owner = await xrpc(P, 'com.atproto.server.createSession', { body: { identifier: handle, password: signup.password }, xff: '198.51.100.77' })
    t.equal(owner.status, 200, 'the owner, through the same PDS from their own address, signs in')

    const guesses: number[] = []
    for (let i = 0; i < 3; i++) guesses.push((await xrpc(P, 'com.atproto.server.deleteAccount', { body: { did, password: `guess-${i}`, token: 'AAAAA-AAAAA' }, xff: attacker })).status)
    t.same(guesses, [429, 429, 429], "deleteAccount guesses through the PDS count against the attacker's sign-in limit")
    const ownerDelete = await xrpc(P, 'com.atproto.server.deleteAccount', { body: { did, password: signup.password, token: 'AAAAA-AAAAA' }, xff: '198.51.100.77' })
    t.equal(ownerDelete.body.error, 'InvalidToken', 'the owner is not locked out of deleteAccount (the code is what is wrong)')
  })

  t.test('a client that is not a fleet host cannot choose its address', async (t) => {
    // 127.0.0.2 is loopback too, but neither a fleet host's address nor a configured proxy
    const codes: number[] = []
    for (let i = 0; i < 31; i++) {
      codes.push((await xrpc(E, 'com.atproto.server.createSession', { body: { identifier: 'ghost.test', password: 'x' }, xff: `198.18.0.${i}`, localAddress: '127.0.0.2' })).status)
    }
    t.equal(codes[30], 429, 'a fresh x-forwarded-for on each try does not dodge the limit')
  })

  t.test('a replayed sign-up gets no tokens once the password changed', async (t) => {
    const replay = await xrpc(E, 'com.atproto.server.createAccount', { body: signup })
    t.equal(replay.status, 200, 'an identical retry soon after: the stored result, as before')
    t.equal(replay.body.did, did)
    const basic = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`
    const changed = await xrpc(E, 'com.atproto.admin.updateAccountPassword', { auth: basic, body: { did, password: 'a-new-password' } })
    t.equal(changed.status, 200, 'password changed')
    const after = await xrpc(E, 'com.atproto.server.createAccount', { body: signup })
    t.not(after.status, 200, `the same retry now: ${after.status} ${after.body.error}`)
    t.notOk(after.body.accessJwt, 'no tokens')
    t.notOk(after.body.refreshJwt)
  })
})
