import t from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { startInProcessGateway } from './in-process-gateway.js'
import { didDocument, serveOnLoopback } from './stub-servers.js'

// Issue #13 finding 12 (forced DID resolutions) and 13e (client-caused failures answered 502),
// through a real gateway whose PLC directory is a server of the test's that counts every lookup.

interface CountingPlc {
  url: string
  hits: Map<string, number>
  total(): number
}

/** did:plc:broken… answers 500; any other DID a valid document whose PDS is outside the fleet. */
async function countingPlc(t: { teardown(fn: () => unknown): void }): Promise<CountingPlc> {
  const hits = new Map<string, number>()
  const url = await serveOnLoopback(t, (req, res) => {
    const did = decodeURIComponent((req.url ?? '/').slice(1))
    hits.set(did, (hits.get(did) ?? 0) + 1)
    if (did.startsWith('did:plc:broken')) return res.writeHead(500).end()
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(didDocument(did, 'https://pds.elsewhere.example')))
  })
  return {
    url,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
  }
}

/** An unsigned-looking JWT: the given header and payload, a signature of junk bytes. */
function junkJwt(header: object, payload: object): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b64(header)}.${b64(payload)}.${Buffer.alloc(64, 7).toString('base64url')}`
}

/** A service JWT anyone can write: right `aud` and `lxm`, not expired, signature of random bytes. */
function forgedServiceJwt(iss: string, aud: string, lxm: string): string {
  return junkJwt(
    { alg: 'ES256K', typ: 'JWT' },
    { iss, aud, lxm, exp: Math.floor(Date.now() / 1000) + 60, jti: String(Math.random()) },
  )
}

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(`${target!.name}: DID lookups a client can force`, async (t) => {
  const plc = await countingPlc(t)
  const database = await target!.open()
  t.teardown(() => database.close())
  const { url } = await startInProcessGateway(t, database, { ENTRYWAY_PLC_URL: plc.url })
  // the default service DID: did:web of the public URL's host
  const entrywayDid = `did:web:${new URL(url).hostname}`
  const describe = (repo: string, client: string) =>
    fetch(`${url}/xrpc/com.atproto.repo.describeRepo?repo=${encodeURIComponent(repo)}`, {
      headers: { 'x-forwarded-for': client },
    })

  await t.test(
    'forged service JWTs: one PLC lookup for the issuer, not one per token',
    async (t) => {
      const victim = 'did:plc:victimvictimvictimvictim'
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${url}/xrpc/com.atproto.server.getSession`, {
          headers: {
            authorization: `Bearer ${forgedServiceJwt(victim, entrywayDid, 'com.atproto.server.getSession')}`,
            'x-forwarded-for': '198.51.100.1',
          },
        })
        t.equal(res.status, 401, 'the forged token is refused')
      }
      t.equal(
        plc.hits.get(victim),
        1,
        'forced refreshes of a DID just fetched are answered from memory',
      )
    },
  )

  await t.test('concurrent requests naming one unknown DID make one lookup', async (t) => {
    const did = 'did:plc:concurrentconcurrentconc'
    const all = await Promise.all(Array.from({ length: 20 }, () => describe(did, '198.51.100.2')))
    t.ok(
      all.every((r) => r.status === 403),
      'refused: its PDS is outside the fleet',
    )
    t.equal(plc.hits.get(did), 1)
  })

  await t.test(
    'one address naming ever new DIDs gets 429 after its budget; others are unaffected',
    async (t) => {
      const before = plc.total()
      const statuses: number[] = []
      let limited: Response | undefined
      for (let i = 0; i < 70; i++) {
        const res = await describe(`did:plc:flood${String(i).padStart(19, '0')}`, '203.0.113.7')
        statuses.push(res.status)
        if (res.status === 429) limited ??= res
        else await res.body?.cancel()
      }
      t.equal(
        statuses.filter((s) => s === 403).length,
        60,
        'the first 60 are looked up (and refused: outside the fleet)',
      )
      t.equal(statuses.filter((s) => s === 429).length, 10, 'the rest are 429')
      t.equal(plc.total() - before, 60, 'PLC saw 60 lookups, not 70')
      t.match(await limited!.json(), { error: 'RateLimitExceeded' })
      t.ok(Number(limited!.headers.get('retry-after')) > 0, 'with retry-after')
      const forged = await fetch(`${url}/xrpc/com.atproto.server.getSession`, {
        headers: {
          authorization: `Bearer ${forgedServiceJwt('did:plc:neverseenneverseenneverse', entrywayDid, 'com.atproto.server.getSession')}`,
          'x-forwarded-for': '203.0.113.7',
        },
      })
      t.equal(
        forged.status,
        429,
        "a forged service JWT's issuer lookup is charged to the same budget",
      )
      t.match(await forged.json(), { error: 'RateLimitExceeded' })
      const dpopSub = 'did:plc:dpopsubdpopsubdpopsubdpo'
      const dpop = await fetch(`${url}/xrpc/com.atproto.repo.listRecords?repo=x&collection=y`, {
        headers: {
          authorization: `DPoP ${junkJwt({ alg: 'ES256', typ: 'at+jwt' }, { sub: dpopSub })}`,
          dpop: 'proof',
          'x-forwarded-for': '203.0.113.7',
        },
      })
      t.equal(dpop.status, 400, 'a DPoP request is still refused with its explanation')
      t.equal(
        plc.hits.get(dpopSub),
        undefined,
        "and its unverified sub is not looked up over the client's budget",
      )
      const other = await describe('did:plc:otherclientotherclientot', '203.0.113.8')
      t.equal(other.status, 403, 'another address still gets its lookups')
    },
  )

  await t.test('a repo whose DID document cannot be had is a 400, not a 502', async (t) => {
    const res = await describe('did:web:127.0.0.1%3A5432', '198.51.100.3')
    t.equal(res.status, 400)
    t.match(await res.json(), { error: 'RepoNotFound' })
  })

  await t.test('a PLC directory that fails is still an upstream failure (502)', async (t) => {
    const res = await describe('did:plc:brokenbrokenbrokenbroken', '198.51.100.4')
    t.equal(res.status, 502)
    t.match(await res.json(), { error: 'UpstreamFailure' })
  })
})
