import t from 'tap'
import { Redis } from 'ioredis'
import { buildTestApp } from './helpers.js'

const TEST_REDIS_URL = process.env.TEST_REDIS_URL

// Two gateway instances sharing one Redis share the login counters.
t.test(
  'login limits are shared through Redis',
  { skip: TEST_REDIS_URL ? false : 'TEST_REDIS_URL is not set' },
  async (t) => {
    const redis = new Redis(TEST_REDIS_URL!, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      retryStrategy: () => null,
    })
    redis.on('error', () => {})
    // a client left reconnecting would keep the test process alive
    t.teardown(() => redis.disconnect())
    // a URL that is set but does not answer is a failure, not a skip
    await redis.connect()
    const a = await buildTestApp(t, {
      redis,
      rateLimits: { loginPerAccount: { points: 3, durationMs: 300_000 } },
    })
    const b = await buildTestApp(t, {
      redis,
      rateLimits: { loginPerAccount: { points: 3, durationMs: 300_000 } },
    })
    const handle = `redis-${Date.now().toString(36)}.test`
    const codes: number[] = []
    for (const env of [a, b, a, b, a]) codes.push((await env.login(handle, 'x')).statusCode)
    t.same(codes, [401, 401, 401, 429, 429])
  },
)

t.test('a Redis outage lets logins through instead of failing them', async (t) => {
  const dead = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  })
  dead.on('error', () => {})
  t.teardown(() => dead.disconnect())
  const env = await buildTestApp(t, { redis: dead })
  const u = await env.addUser()
  const res = await env.login(u.handle, u.password)
  t.equal(res.statusCode, 200)
})
