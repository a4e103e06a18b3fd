import t from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { MemoryOutboxStore, OutboxWorker, type OutboxStore } from '../src/index.js'
import { KyselyOutboxStore } from '../src/postgres/index.js'

const quiet = { info() {}, warn() {}, error() {} }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const targets: Array<{
  name: string
  skip: string | false
  open(): Promise<{ a: OutboxStore; b: OutboxStore; close: () => Promise<void> }>
}> = [
  {
    name: 'memory',
    skip: false,
    async open() {
      const s = new MemoryOutboxStore()
      return { a: s, b: s, close: async () => {} }
    },
  },
  ...testDatabaseTargets(process.env.TEST_DATABASE_URL).map((d) => ({
    name: d.name,
    skip: d.skip,
    async open() {
      const db = await d.open()
      // two stores on one database: two instances' views of one outbox
      return {
        a: new KyselyOutboxStore(db.db),
        b: new KyselyOutboxStore(db.db),
        close: () => db.close(),
      }
    },
  })),
]

for (const target of targets) {
  t.test(
    `${target.name}: two workers on one outbox never run the same job; every job runs once`,
    { skip: target.skip },
    async (t) => {
      const { a, b, close } = await target.open()
      t.teardown(close)
      const runs = new Map<string, string[]>()
      let inFlight = 0
      let maxInFlightPerKey = 0
      const active = new Set<string>()
      const handler = (who: string) => async (_payload: unknown, key: string) => {
        if (active.has(key)) maxInFlightPerKey = 2
        active.add(key)
        inFlight++
        await sleep(5)
        runs.set(key, [...(runs.get(key) ?? []), who])
        active.delete(key)
        inFlight--
      }
      const wa = new OutboxWorker({
        store: a,
        handlers: { 'test.job': handler('a') },
        log: quiet,
        batch: 3,
      })
      const wb = new OutboxWorker({
        store: b,
        handlers: { 'test.job': handler('b') },
        log: quiet,
        batch: 3,
      })
      for (let i = 0; i < 40; i++)
        await a.enqueue({ kind: 'test.job', key: `k${i}`, payload: { i } })
      await a.enqueue({ kind: 'test.job', key: 'k0', payload: { again: true } })
      t.equal((await a.list()).length, 40, 'the same (kind, key) enqueued twice is one job')
      // both instances poll as fast as they can, and also try single jobs at once, at the same time
      const loop = async (w: OutboxWorker) => {
        for (let round = 0; round < 200 && (await a.list()).length > 0; round++) await w.runDue()
      }
      await Promise.all([
        loop(wa),
        loop(wb),
        ...Array.from({ length: 10 }, (_, i) => wb.tryNow('test.job', `k${i}`)),
        ...Array.from({ length: 10 }, (_, i) => wa.tryNow('test.job', `k${i}`)),
      ])
      t.equal(inFlight, 0)
      t.equal(maxInFlightPerKey, 0, 'no job ever ran on both at once')
      const twice = [...runs].filter(([, who]) => who.length !== 1)
      t.same(twice, [], 'every job ran exactly once')
      t.equal(runs.size, 40, 'every job ran')
      const byA = [...runs.values()].filter((w) => w[0] === 'a').length
      t.comment(`worker a ran ${byA}, worker b ran ${40 - byA}`)
      t.same(await a.list(), [], 'the outbox is empty')
    },
  )

  t.test(
    `${target.name}: a failing job is retried with backoff until it succeeds, its error kept meanwhile`,
    { skip: target.skip },
    async (t) => {
      const { a, close } = await target.open()
      t.teardown(close)
      const clock = { now: Date.parse('2026-12-03T12:00:00Z') }
      let down = true
      const calls: number[] = []
      const w = new OutboxWorker({
        store: a,
        log: quiet,
        now: () => clock.now,
        backoffMs: 1_000,
        maxBackoffMs: 8_000,
        handlers: {
          'plc.tombstone': async () => {
            calls.push(clock.now)
            if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:1')
          },
        },
      })
      await w.enqueue({
        kind: 'plc.tombstone',
        key: 'did:plc:x',
        payload: { did: 'did:plc:x' },
        runAt: new Date(clock.now),
      })
      t.equal(await w.tryNow('plc.tombstone', 'did:plc:x'), false, 'PLC down: left for a retry')
      const [row] = await a.list()
      t.equal(row!.attempts, 1)
      t.match(row!.lastError, /ECONNREFUSED/, 'the error is kept for an operator')
      t.equal(row!.runAt, new Date(clock.now + 1_000).toISOString(), 'first retry after 1 s')

      t.equal(await w.runDue(), 0, 'not due yet: not run')
      t.equal(calls.length, 1)
      const delays: number[] = []
      for (let i = 0; i < 5; i++) {
        const due = Date.parse((await a.list())[0]!.runAt)
        delays.push(due - clock.now)
        clock.now = due
        t.equal(await w.runDue(), 0, `attempt ${i + 2} fails`)
      }
      t.same(delays, [1_000, 2_000, 4_000, 8_000, 8_000], 'the delay doubles up to the cap')
      down = false
      clock.now = Date.parse((await a.list())[0]!.runAt)
      t.equal(await w.runDue(), 1, 'PLC back: the job lands')
      t.same(await a.list(), [], 'and is gone')
      t.equal(calls.length, 7)
    },
  )

  t.test(
    `${target.name}: a worker that dies mid-job loses its lease; another instance takes the job`,
    { skip: target.skip },
    async (t) => {
      const { a, b, close } = await target.open()
      t.teardown(close)
      const clock = { now: Date.parse('2026-12-03T12:00:00Z') }
      await a.enqueue({ kind: 'k', key: 'x', payload: null, runAt: new Date(clock.now) })
      const [held] = await a.claim(new Date(clock.now), 60_000, 10)
      t.ok(held, 'instance a claimed it (and then died)')
      t.same(
        await b.claim(new Date(clock.now + 59_000), 60_000, 10),
        [],
        'within the lease: nobody else gets it',
      )
      const [taken] = await b.claim(new Date(clock.now + 61_000), 60_000, 10)
      t.equal(taken?.id, held!.id, 'after the lease: instance b takes it')
      t.equal(taken?.attempts, 2)
    },
  )

  t.test(
    `${target.name}: cancel drops the pending (kind, key) job, claimed or not, and only it`,
    { skip: target.skip },
    async (t) => {
      const { a, b, close } = await target.open()
      t.teardown(close)
      const now = new Date('2026-12-03T12:00:00Z')
      const later = new Date(now.getTime() + 3_600_000)
      await a.enqueue({
        kind: 'account.scheduledDelete',
        key: 'did:plc:a',
        payload: null,
        runAt: later,
      })
      await a.enqueue({ kind: 'plc.tombstone', key: 'did:plc:a', payload: null, runAt: now })
      await a.enqueue({
        kind: 'account.scheduledDelete',
        key: 'did:plc:b',
        payload: null,
        runAt: later,
      })
      t.equal(await b.cancel('account.scheduledDelete', 'did:plc:a'), true, 'a pending job')
      t.equal(await b.cancel('account.scheduledDelete', 'did:plc:a'), false, 'already gone')
      t.same(
        (await a.list()).map((j) => `${j.kind} ${j.key}`).sort(),
        ['account.scheduledDelete did:plc:b', 'plc.tombstone did:plc:a'],
        'the same key of another kind and another key of the kind are kept',
      )
      const [held] = await a.claim(now, 60_000, 10)
      t.equal(held?.kind, 'plc.tombstone')
      t.equal(await b.cancel('plc.tombstone', 'did:plc:a'), true, 'a claimed job too')
      await a.complete(held!.id)
      t.equal(await a.find('plc.tombstone', 'did:plc:a'), null)
      await a.enqueue({
        kind: 'account.scheduledDelete',
        key: 'did:plc:a',
        payload: null,
        runAt: now,
      })
      t.ok(await a.find('account.scheduledDelete', 'did:plc:a'), 'the key can be scheduled again')
    },
  )
}
