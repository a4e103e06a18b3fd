import t from 'tap'
import { RawClient, headlessAuthorize } from '../../../../packages/oauth/test/raw-client.js'
import { abuseGateway, repeat } from './helpers.js'

// Finding 4: the OAuth sign-in (apps, and admin-portal members) called verifyPassword directly:
// no attempt limit, no scrypt gate. It now runs createSession's check: the same limits on the
// same counters, through the same gate. (The raw client connects from loopback, 127.0.0.1.)

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}

async function oauthSignIn(client: RawClient, password: string) {
  const { requestUri } = await client.par()
  return headlessAuthorize(client.issuer, client.authorizeUrl(requestUri), {
    username: ALICE.handle,
    password,
  })
}

t.test('OAuth sign-in attempts are limited and go through the scrypt gate', async (t) => {
  const g = await abuseGateway(t, [ALICE])
  const client = await RawClient.create(g.url)
  const gate = g.gw.ctx.passwordGate
  const runs = gate.runs
  const statuses: number[] = []
  for (let i = 0; i < 31; i++)
    statuses.push((await oauthSignIn(client, `guess-${i}`)).status ?? 200)
  t.same(
    statuses.slice(0, 30),
    Array(30).fill(400),
    'the first 30 wrong passwords: 400 invalid_request',
  )
  t.equal(statuses[30], 429, 'then 429')
  t.equal(gate.runs - runs, 30, 'each checked password took a turn at the shared scrypt gate')
  const right = await oauthSignIn(client, ALICE.password)
  t.equal(right.status, 429, 'the right password too, from this address')
})

t.test(
  'createSession failures lock the OAuth sign-in of the same account and address',
  async (t) => {
    const g = await abuseGateway(t, [ALICE])
    const codes = await repeat(30, () =>
      g.post('com.atproto.server.createSession', { identifier: ALICE.handle, password: 'wrong' }),
    )
    t.same(codes, Array(30).fill(401))
    const client = await RawClient.create(g.url)
    const res = await oauthSignIn(client, ALICE.password)
    t.equal(res.status, 429, 'OAuth sign-in refused: the same counter')
    t.notOk(res.code, 'no authorization code')
  },
)
