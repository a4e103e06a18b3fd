import t from 'tap'
import { abuseGateway, repeat } from './helpers.js'

// Finding 3: the limiter keyed on `identifier.toLowerCase()` while the lookup trimmed, so after
// the lockout for `alice.test`, `" alice.test"` signed in. One normalisation serves both, and
// the key is the account's DID whenever the identifier names an account.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
  email: 'alice@mail.test',
}

t.test('a locked-out account stays locked under every spelling of its identifier', async (t) => {
  const g = await abuseGateway(t, [ALICE])
  const ip = '203.0.113.30'
  const codes = await repeat(31, () =>
    g.post(
      'com.atproto.server.createSession',
      { identifier: ALICE.handle, password: 'wrong' },
      { ip },
    ),
  )
  t.equal(codes.at(-1), 429, 'locked after 30 failures')
  for (const spelling of [
    ` ${ALICE.handle}`,
    `${ALICE.handle} `,
    ALICE.handle.toUpperCase(),
    `\t${ALICE.handle}\n`,
    ALICE.email,
    ` ${ALICE.email.toUpperCase()}`,
    ALICE.did,
    ` ${ALICE.did}`,
  ]) {
    const res = await g.post(
      'com.atproto.server.createSession',
      { identifier: spelling, password: ALICE.password },
      { ip },
    )
    t.equal(res.status, 429, `${JSON.stringify(spelling)}: 429`)
  }
  const other = await g.post(
    'com.atproto.server.createSession',
    { identifier: ALICE.handle, password: ALICE.password },
    { ip: '198.51.100.30' },
  )
  t.equal(other.status, 200, 'the owner from another address signs in')
})

t.test('unknown identifiers are counted under their normalised spelling', async (t) => {
  const g = await abuseGateway(t)
  const ip = '203.0.113.31'
  const spellings = ['ghost.example.test', ' ghost.example.test', 'GHOST.example.test ']
  const codes = await repeat(33, (i) =>
    g.post(
      'com.atproto.server.createSession',
      { identifier: spellings[i % 3], password: 'x' },
      { ip },
    ),
  )
  t.same(codes.slice(30), [429, 429, 429])
})
