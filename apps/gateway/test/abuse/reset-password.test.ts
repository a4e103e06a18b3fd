import t from 'tap'
import { abuseGateway, repeat } from './helpers.js'

// Finding 2: resetPassword hashed the new password through the scrypt gate sign-ins share
// before it looked at the code, with no limit, so junk codes could fill the gate and starve
// createSession (503). The code is checked first, and the route is limited per IP.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}

t.test('junk reset codes cost no scrypt work and are limited per IP', async (t) => {
  const g = await abuseGateway(t, [ALICE])
  const gate = g.gw.ctx.passwordGate
  const before = gate.runs
  const junk = (i: number) =>
    g.post(
      'com.atproto.server.resetPassword',
      { token: `ZZZZZ-${String(i).padStart(5, 'Z')}`, password: 'new-password' },
      { ip: '203.0.113.20' },
    )
  const codes = await repeat(80, junk)
  t.same(codes.slice(0, 50), Array(50).fill(400), 'the first 50: 400 InvalidToken')
  t.same(codes.slice(50), Array(30).fill(429), 'then 429')
  t.equal(gate.runs - before, 0, 'not one scrypt derivation for a junk code')
  const login = await g.post(
    'com.atproto.server.createSession',
    { identifier: ALICE.handle, password: ALICE.password },
    { ip: '203.0.113.21' },
  )
  t.equal(login.status, 200, 'sign-in unaffected')
})

t.test('a junk-code flood in parallel leaves sign-ins working', async (t) => {
  const g = await abuseGateway(t, [ALICE])
  // More junk codes at once than the gate queues (2 running + 256 waiting), from 30 addresses
  // (each under its limit): had they queued for scrypt, the sign-in would get 503.
  const gate = g.gw.ctx.passwordGate
  const flood = Array.from({ length: 300 }, (_, i) =>
    g.post(
      'com.atproto.server.resetPassword',
      { token: 'ZZZZZ-ZZZZZ', password: 'x'.repeat(200) },
      { ip: `203.0.113.${100 + (i % 30)}` },
    ),
  )
  const login = g.post(
    'com.atproto.server.createSession',
    { identifier: ALICE.handle, password: ALICE.password },
    { ip: '198.51.100.1' },
  )
  const [results, signedIn] = await Promise.all([Promise.all(flood), login])
  t.ok(
    results.every((r) => r.status === 400 && r.body.error === 'InvalidToken'),
    'every junk code: 400 InvalidToken',
  )
  t.equal(signedIn.status, 200, 'createSession during the flood: 200 (never 503)')
  t.ok(
    gate.peak <= gate.concurrency && gate.runs <= 2,
    `the gate ran only the sign-in (${gate.runs} derivations)`,
  )
})
