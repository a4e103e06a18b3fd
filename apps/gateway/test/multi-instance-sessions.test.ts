import t from 'tap'
import { Redis } from 'ioredis'
import { startFleet } from '@entryway/testkit'
import {
  decodeJwt,
  freshDatabase,
  post,
  redisPrefix,
  signupInput,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from './multi-instance-helpers.js'

// One PDS, two gateway processes sharing one Postgres database and one Redis.
t.setTimeout(240_000)

t.test(
  'two gateway instances share sessions, sign-ups and login limits',
  {
    skip:
      !TEST_DATABASE_URL || !TEST_REDIS_URL ? 'needs TEST_DATABASE_URL and TEST_REDIS_URL' : false,
  },
  async (t) => {
    const databaseUrl = await freshDatabase(t, TEST_DATABASE_URL!)
    const prefix = redisPrefix('mi')
    const fleet = await startFleet({
      pdsCount: 1,
      gateways: 2,
      databaseUrl,
      mail: false,
      gatewayEnv: {
        ENTRYWAY_REDIS_URL: TEST_REDIS_URL!,
        ENTRYWAY_REDIS_PREFIX: prefix,
        ENTRYWAY_INCLUDE_DID_DOC: 'false',
      },
    })
    t.teardown(() => fleet.stop())
    const [A, B] = fleet.gateways.map((g) => `http://127.0.0.1:${g.port}`) as [string, string]
    const domain = fleet.handleDomains[0]!

    const user = signupInput('mi', domain)
    const created = await post(A, 'com.atproto.server.createAccount', user)
    t.equal(created.status, 200, 'signed up on A')

    t.test('a session created on A refreshes on B', async (t) => {
      const login = await post(A, 'com.atproto.server.createSession', {
        identifier: user.handle,
        password: user.password,
      })
      t.equal(login.status, 200)
      const refreshed = await post(B, 'com.atproto.server.refreshSession', undefined, {
        authorization: `Bearer ${login.body.refreshJwt}`,
      })
      t.equal(refreshed.status, 200, 'refresh on B')
      t.equal(refreshed.body.did, created.body.did)
      const got = await fetch(`${A}/xrpc/com.atproto.server.getSession`, {
        headers: { authorization: `Bearer ${refreshed.body.accessJwt}` },
      })
      t.equal(got.status, 200, "B's access token works on A")
      const out = await post(A, 'com.atproto.server.deleteSession', undefined, {
        authorization: `Bearer ${refreshed.body.refreshJwt}`,
      })
      t.equal(out.status, 200, "B's refresh token signs out on A")
      const after = await post(B, 'com.atproto.server.refreshSession', undefined, {
        authorization: `Bearer ${refreshed.body.refreshJwt}`,
      })
      t.equal(after.status, 400)
      t.equal(after.body.error, 'ExpiredToken', 'revoked on A is revoked on B')
    })

    t.test('10 parallel refreshes split across both instances give one successor', async (t) => {
      const login = await post(B, 'com.atproto.server.createSession', {
        identifier: user.handle,
        password: user.password,
      })
      t.equal(login.status, 200)
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post(i % 2 ? A : B, 'com.atproto.server.refreshSession', undefined, {
            authorization: `Bearer ${login.body.refreshJwt}`,
          }),
        ),
      )
      t.same(
        results.map((r) => r.status),
        Array(10).fill(200),
      )
      const jtis = new Set(results.map((r) => decodeJwt(r.body.refreshJwt as string).jti))
      t.equal(jtis.size, 1, 'one successor')
    })

    t.test('the same handle signed up on both at once gives one account', async (t) => {
      const a = signupInput('dup', domain)
      const b = { ...signupInput('dup', domain), handle: a.handle }
      const results = await Promise.all([
        post(A, 'com.atproto.server.createAccount', a),
        post(B, 'com.atproto.server.createAccount', b),
      ])
      const codes = results.map((r) => r.status).sort()
      t.same(codes, [200, 400], 'one sign-up wins')
      const loser = results.find((r) => r.status === 400)!
      t.equal(loser.body.error, 'HandleNotAvailable')
      const winner = results.find((r) => r.status === 200)!
      const resolved = await fetch(
        `${B}/xrpc/com.atproto.identity.resolveHandle?handle=${a.handle}`,
      ).then((r) => r.json() as Promise<{ did: string }>)
      t.equal(resolved.did, winner.body.did, 'the handle names the winning account everywhere')
    })

    t.test("a login flood's limit holds across both instances", async (t) => {
      // one client (one XFF address, trusted from loopback) hammering one identifier with bad passwords
      const headers = { 'x-forwarded-for': '203.0.113.77' }
      const attempts = 45
      const results: number[] = []
      for (let i = 0; i < attempts; i += 3) {
        const batch = await Promise.all(
          [0, 1, 2].map((k) =>
            post(
              (i + k) % 2 ? A : B,
              'com.atproto.server.createSession',
              { identifier: user.handle, password: `wrong-${i + k}` },
              headers,
            ),
          ),
        )
        results.push(...batch.map((r) => r.status))
      }
      const accepted = results.filter((s) => s !== 429).length
      t.equal(results.length, attempts)
      t.ok(
        accepted <= 30,
        `accepted ${accepted} of ${attempts} (limit 30 per identifier+IP per 5 min, shared)`,
      )
      t.ok(accepted >= 30, 'the limit is not lower than 30 either')
      t.ok(
        results.slice(-5).every((s) => s === 429),
        'the last attempts are refused',
      )
      // the counters live in the shared Redis under this run's prefix
      const redis = new Redis(TEST_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 })
      t.teardown(() => redis.disconnect())
      await redis.connect()
      const keys = await redis.keys(`${prefix}*`)
      t.ok(
        keys.some((k) => k.includes('session:login-account')),
        `login counters in Redis (${keys.length} keys)`,
      )
      if (keys.length) await redis.del(...keys)
    })
  },
)
