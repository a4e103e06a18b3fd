import t from 'tap'
import { AuthScope, createAccessToken, createRefreshToken, JwtKeyring } from '@entryway/session'
import { parsePreviousKey } from '../../src/config/secrets.js'
import { abuseGateway } from './helpers.js'

// Finding 11: rotated-out keys verified forever and nothing bounded a token's lifetime. A previous
// key is now configured with the time it stopped signing (`<hex>@<ISO time>`): it verifies only
// tokens issued before then, and nothing once the longest token lifetime (90 days) has passed;
// a token whose `exp - iat` exceeds that maximum is refused whatever its key.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}
const DAY_MS = 24 * 60 * 60 * 1000
const PDS_DID = 'did:web:pds1.test'
const ENTRYWAY_DID = (url: string) => `did:web:${new URL(url).hostname}`

t.test('previous keys have a cutoff and token lifetimes a maximum', async (t) => {
  const old = await JwtKeyring.generate()
  const rotatedAt = Date.now() - 60 * 60 * 1000
  const g = await abuseGateway(t, [ALICE], {
    ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX: `${old.keyring.publicKeyHex}@${new Date(rotatedAt).toISOString()}`,
  })
  const getSession = (token: string) =>
    g.get('com.atproto.server.getSession', { auth: `Bearer ${token}` })
  const access = (ring: JwtKeyring, now: number, ttlSec?: number) =>
    createAccessToken(ring, {
      did: ALICE.did,
      pdsDid: PDS_DID,
      scope: AuthScope.Access,
      now,
      ...(ttlSec ? { ttlSec } : {}),
    })

  const before = await getSession(await access(old.keyring, rotatedAt - 60_000))
  t.equal(before.status, 200, 'a token the old key signed before the rotation still works')
  const after = await getSession(await access(old.keyring, Date.now()))
  t.equal(after.status, 400, 'a token the old key signed after the rotation is refused')
  t.equal(after.body.error, 'InvalidToken')

  const current = await JwtKeyring.fromHex('11'.repeat(32))
  t.equal(
    (await getSession(await access(current, Date.now()))).status,
    200,
    'current key, normal lifetime: fine',
  )
  const long = await getSession(await access(current, Date.now(), 10 * 365 * 24 * 60 * 60))
  t.equal(long.status, 400, 'a ten-year token is refused, even from the current key')
  t.equal(long.body.error, 'InvalidToken')
})

t.test('a key rotated out longer ago than the longest lifetime verifies nothing', async (t) => {
  const old = await JwtKeyring.generate()
  const rotatedAt = Date.now() - 91 * DAY_MS
  const g = await abuseGateway(t, [ALICE], {
    ENTRYWAY_JWT_PREVIOUS_PUBLIC_KEYS_HEX: `${old.keyring.publicKeyHex}@${new Date(rotatedAt).toISOString()}`,
  })
  // deleteSession accepts expired refresh tokens (as the PDS): only the key's cutoff stops this one
  const refresh = await createRefreshToken(old.keyring, {
    did: ALICE.did,
    entrywayDid: ENTRYWAY_DID(g.url),
    now: rotatedAt - DAY_MS,
  })
  const res = await g.post(
    'com.atproto.server.deleteSession',
    {},
    { auth: `Bearer ${refresh.token}` },
  )
  t.equal(res.status, 400, 'refused')
  t.equal(res.body.error, 'InvalidToken')
  t.same(g.gw.ctx.keyring.previousPublicJwks(), [], 'nor is it offered to the OAuth server')
})

t.test('a previous key needs its rotation time', async (t) => {
  t.throws(() => parsePreviousKey('02'.padEnd(66, 'a')), /<public key hex>@<ISO 8601 time/)
  t.throws(() => parsePreviousKey(`${'02'.padEnd(66, 'a')}@yesterday`), /ISO 8601/)
  t.same(parsePreviousKey(`${'02'.padEnd(66, 'a')}@2026-12-01T00:00:00Z`), {
    publicKeyHex: '02'.padEnd(66, 'a'),
    rotatedAt: '2026-12-01T00:00:00Z',
  })
})
