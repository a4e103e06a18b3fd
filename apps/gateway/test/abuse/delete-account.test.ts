import t from 'tap'
import { abuseGateway, repeat } from './helpers.js'

// Finding 1: deleteAccount was an unauthenticated, unlimited password oracle (80 guesses, no 429)
// beside createSession's limits. Its password check is now the sign-in check: the same limits,
// counted on the same account, and the route is limited per IP as at the reference PDS.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}

t.test('password guesses on deleteAccount are limited and count against sign-in', async (t) => {
  const g = await abuseGateway(t, [ALICE])
  const guess = (i: number, ip = '203.0.113.7') =>
    g.post(
      'com.atproto.server.deleteAccount',
      { did: ALICE.did, password: `guess-${i}`, token: 'AAAAA-AAAAA' },
      { ip },
    )
  const codes = await repeat(80, (i) => guess(i))
  t.same(codes.slice(0, 30), Array(30).fill(401), 'the first 30 wrong passwords: 401')
  t.same(codes.slice(30), Array(50).fill(429), 'then 429, never another password check')
  // the same account, signed in from that address: the guesses counted against it
  const login = await g.post(
    'com.atproto.server.createSession',
    { identifier: ALICE.handle, password: ALICE.password },
    { ip: '203.0.113.7' },
  )
  t.equal(login.status, 429, 'createSession is locked too (same account, same address)')
  t.equal(login.body.error, 'RateLimitExceeded')
  const elsewhere = await g.post(
    'com.atproto.server.createSession',
    { identifier: ALICE.handle, password: ALICE.password },
    { ip: '198.51.100.9' },
  )
  t.equal(elsewhere.status, 200, 'the owner elsewhere still signs in')
})

t.test('sign-in failures count against deleteAccount', async (t) => {
  const g = await abuseGateway(t, [ALICE])
  const ip = '203.0.113.8'
  await repeat(30, () =>
    g.post(
      'com.atproto.server.createSession',
      { identifier: ALICE.handle, password: 'wrong' },
      { ip },
    ),
  )
  const res = await g.post(
    'com.atproto.server.deleteAccount',
    { did: ALICE.did, password: ALICE.password, token: 'AAAAA-AAAAA' },
    { ip },
  )
  t.equal(res.status, 429)
})

t.test('deleteAccount is limited per IP (50 / 5 min) whatever the account', async (t) => {
  const g = await abuseGateway(t)
  const codes = await repeat(52, (i) =>
    g.post(
      'com.atproto.server.deleteAccount',
      { did: `did:plc:nobody${String(i).padStart(19, '0')}`, password: 'x', token: 'AAAAA-AAAAA' },
      { ip: '203.0.113.9' },
    ),
  )
  t.same(codes.slice(0, 50), Array(50).fill(401))
  t.same(codes.slice(50), [429, 429])
})
