import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { getFreePort, startGateway } from '@entryway/testkit'
import { gatewayEnvWithStub, startStubPds } from './multi-instance-stub-pds.js'
import { post, redisPrefix } from './multi-instance-helpers.js'

t.setTimeout(120_000)

/** A throwaway redis-server of this test's own (the machine's shared one is never stopped). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const probe = new Redis(`redis://127.0.0.1:${port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  probe.on('error', () => {})
  try {
    for (let i = 0; i < 50; i++) {
      if (
        (await probe.connect().then(
          () => probe.ping(),
          () => null,
        )) === 'PONG'
      )
        return child
      await sleep(100)
    }
    throw new Error('redis-server did not start')
  } finally {
    probe.disconnect()
  }
}

const haveRedisServer = await new Promise<boolean>((resolve) => {
  const p = spawn('redis-server', ['--version'], { stdio: 'ignore' })
  p.on('error', () => resolve(false))
  p.on('exit', (code) => resolve(code === 0))
})

/**
 * Stated behaviour when Redis goes away (README, "Redis outage"): general traffic is not
 * affected; rate limits keep holding, counted in each process instead of in Redis (login per
 * identifier+IP, sign-up per IP), and shared counting resumes when Redis is back.
 */
t.test(
  'Redis outage: traffic continues, login and sign-up limits fall back to this process',
  { skip: haveRedisServer ? false : 'no redis-server' },
  async (t) => {
    const redisPort = await getFreePort()
    let redis = await startRedis(redisPort)
    t.teardown(() => redis.kill('SIGKILL'))
    const prefix = redisPrefix('down')
    const stub = await startStubPds(t, 200)
    const { port, env } = await gatewayEnvWithStub(t, stub.url, {
      ENTRYWAY_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      ENTRYWAY_REDIS_PREFIX: prefix,
      ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_IP_HOURLY: '1000/1h',
      ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_SUBNET: '1000/1h',
    })
    const g = await startGateway({ env, port, name: 'gateway (redis down)' })
    t.teardown(() => g.stop())
    const base = `http://127.0.0.1:${port}`
    const client = new Redis(`redis://127.0.0.1:${redisPort}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    client.on('error', () => {})
    await client.connect()

    const login = (identifier: string, ip: string) =>
      post(
        base,
        'com.atproto.server.createSession',
        { identifier, password: 'wrong' },
        { 'x-forwarded-for': ip },
      )
    t.equal((await login('nobody-a.test', '198.51.100.1')).status, 401)
    t.ok((await client.keys(`${prefix}*`)).length > 0, 'with Redis up, counters live in Redis')
    client.disconnect()

    redis.kill('SIGKILL')
    await new Promise((resolve) => redis.once('exit', resolve))

    t.test('general traffic continues', async (t) => {
      for (const path of [
        '/xrpc/_health',
        '/xrpc/_ready',
        '/xrpc/com.atproto.server.describeServer',
        '/xrpc/app.test.slow',
      ]) {
        const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) })
        t.equal(res.status, 200, path)
      }
    })

    t.test(
      'the login limit still holds, counted in this process, without waiting on Redis',
      async (t) => {
        const statuses: number[] = []
        let slowest = 0
        for (let i = 0; i < 34; i++) {
          const at = Date.now()
          statuses.push((await login('nobody-b.test', '198.51.100.2')).status)
          slowest = Math.max(slowest, Date.now() - at)
        }
        t.same(statuses.slice(0, 30), Array(30).fill(401), '30 attempts answered')
        t.same(statuses.slice(30), [429, 429, 429, 429], 'then refused')
        t.ok(slowest < 2_000, `slowest login ${slowest} ms (no hang on the dead Redis)`)
      },
    )

    t.test('the sign-up limit (100 per 5 min per IP) still holds', async (t) => {
      const statuses: number[] = []
      for (let i = 0; i < 102; i++) {
        statuses.push(
          (
            await post(
              base,
              'com.atproto.server.createAccount',
              {},
              { 'x-forwarded-for': '198.51.100.3' },
            )
          ).status,
        )
      }
      t.notOk(statuses.slice(0, 100).includes(429), 'the first 100 are not limited')
      t.same(statuses.slice(100), [429, 429], 'then 429')
      const other = await post(
        base,
        'com.atproto.server.createAccount',
        {},
        { 'x-forwarded-for': '198.51.100.4' },
      )
      t.not(other.status, 429, 'another client is not affected')
    })

    t.test('when Redis is back, counting returns to it', async (t) => {
      redis = await startRedis(redisPort)
      const back = new Redis(`redis://127.0.0.1:${redisPort}`, { maxRetriesPerRequest: 1 })
      back.on('error', () => {})
      t.teardown(() => back.disconnect())
      let keys: string[] = []
      for (let i = 0; i < 40 && keys.length === 0; i++) {
        await login('nobody-c.test', '198.51.100.5')
        keys = await back.keys(`${prefix}*`)
        if (!keys.length) await sleep(250)
      }
      t.ok(keys.length > 0, 'counters in Redis again')
    })
  },
)
