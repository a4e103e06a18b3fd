import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { testDatabaseTargets } from '@entryway/db'
import { HealthChecker, MemoryHostRegistry, UndiciPdsClient, type PdsClient } from '../src/index.js'
import { KyselyWorkerLeases } from '../src/postgres/index.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(
    `${target.name}: a lease is taken when free or expired, renewed by its holder, refused to others`,
    { skip: target.skip },
    async (t) => {
      const d = await target.open()
      t.teardown(() => d.close())
      const leases = new KyselyWorkerLeases(d.db)
      const t0 = Date.parse('2026-12-03T12:00:00Z')
      const at = (ms: number) => new Date(t0 + ms)
      t.equal(await leases.acquire('w', 'a', 1_000, at(0)), true, 'free: a takes it')
      t.equal(await leases.acquire('w', 'b', 1_000, at(10)), false, 'held by a: b is refused')
      t.equal(await leases.acquire('w', 'a', 1_000, at(900)), true, 'a renews it (to 1900)')
      t.equal(
        await leases.acquire('w', 'b', 1_000, at(1_500)),
        false,
        'renewed: still refused at 1500',
      )
      t.equal(await leases.acquire('w', 'b', 1_000, at(1_901)), true, 'expired: b takes it')
      t.equal(await leases.acquire('w', 'a', 1_000, at(1_950)), false, 'a has lost it')
      t.equal(await leases.acquire('other', 'a', 1_000, at(1_950)), true, 'leases are per worker')
    },
  )

  t.test(
    `${target.name}: two instances' health checkers on one database: one checks the fleet, the other takes over when it stops`,
    { skip: target.skip },
    async (t) => {
      const d = await target.open()
      t.teardown(() => d.close())
      const pds = createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          req.url?.includes('describeServer') ? '{"did":"did:web:pds.test"}' : '{"version":"0.4"}',
        )
      })
      await new Promise<void>((r) => pds.listen(0, '127.0.0.1', () => r()))
      t.teardown(() => new Promise<void>((r) => pds.close(() => r())))
      const hosts = new MemoryHostRegistry()
      await hosts.add({
        url: `http://127.0.0.1:${(pds.address() as AddressInfo).port}`,
        did: 'did:web:pds.test',
        status: 'enabled',
      })
      const leases = new KyselyWorkerLeases(d.db)
      const log = Fastify({ logger: false }).log
      const checks = { a: 0, b: 0 }
      const real = new UndiciPdsClient({ adminPassword: 'x', timeoutMs: 2_000 })
      // each instance's real client, counted per instance
      const counted = (who: 'a' | 'b'): PdsClient =>
        new Proxy(real, {
          get(target, prop) {
            if (prop === 'check')
              return (...args: Parameters<PdsClient['check']>) => (
                checks[who]++,
                target.check(...args)
              )
            return Reflect.get(target, prop)
          },
        })
      const checker = (who: 'a' | 'b') =>
        new HealthChecker({
          hosts,
          pds: counted(who),
          intervalMs: 50,
          timeoutMs: 2_000,
          unhealthyAfter: 1,
          log,
          lease: { leases, holder: who },
        })
      const a = checker('a')
      const b = checker('b')
      t.teardown(() => Promise.all([a.stop(), b.stop()]))
      a.start()
      await sleep(20)
      b.start()
      await sleep(1_000)
      t.comment(`in 1 s: a checked ${checks.a} times, b ${checks.b}`)
      t.ok(checks.a >= 5, `the lease holder checks on its timer (${checks.a})`)
      t.equal(checks.b, 0, 'the other instance skips every round')

      await a.stop()
      const before = checks.b
      await sleep(1_000)
      t.ok(
        checks.b - before >= 5,
        `after the holder stopped, the other took over (${checks.b - before} checks in 1 s; lease 150 ms)`,
      )
    },
  )
}
