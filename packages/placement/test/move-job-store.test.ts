import t from 'tap'
import { testDatabaseTargets, type Database } from '@entryway/db'
import { MoveConflictError, MoveGate } from '../src/index.js'
import { KyselyMoveJobStore } from '../src/postgres/index.js'

// The move job store on PGlite and Postgres: one live move per DID, one driver per job (lease,
// SKIP LOCKED), the routing switch in the step's transaction, what the request gate reads.

async function seed(d: Database) {
  const now = new Date().toISOString()
  const host = (url: string, did: string) =>
    d.db
      .insertInto('pds_host')
      .values({
        url,
        did,
        status: 'enabled',
        internalUrl: null,
        accountCap: null,
        lastCheckAt: null,
        lastError: null,
        version: null,
        createdAt: now,
        updatedAt: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  const a = await host('http://a.test', 'did:web:a.test')
  const b = await host('http://b.test', 'did:web:b.test')
  for (const did of ['did:plc:one', 'did:plc:two']) {
    await d.db
      .insertInto('account')
      .values({
        did,
        handle: `${did.slice(8)}.test`,
        email: null,
        emailConfirmedAt: null,
        emailAuthFactor: false,
        passwordScrypt: null,
        hostId: a.id,
        status: 'active',
        takedownRef: null,
        deactivatedAt: null,
        createdAt: now,
        updatedAt: now,
      })
      .execute()
  }
  return { a: a.id, b: b.id }
}

const silent = { warn() {}, info() {}, error() {} } as never

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(`move job store (${target.name})`, { skip: target.skip }, async (t) => {
    const d = await target.open()
    t.teardown(() => d.close())
    const hosts = await seed(d)
    let now = Date.parse('2026-01-01T00:00:00Z')
    const store = new KyselyMoveJobStore(d.db, () => now)

    const job = await store.create({
      did: 'did:plc:one',
      sourceHostId: hosts.a,
      targetHostId: hosts.b,
    })
    t.match(job, { state: 'queued', step: 'freeze', attempts: 0, leaseOwner: null })
    await t.rejects(
      store.create({ did: 'did:plc:one', sourceHostId: hosts.a, targetHostId: hosts.b }),
      MoveConflictError,
      'one live move per DID',
    )

    // two instances claim at once: one gets the job
    const [x, y] = await Promise.all([store.claim('x', 1000), store.claim('y', 1000)])
    t.equal([x, y].filter(Boolean).length, 1, 'exactly one claim wins')
    const winner = (x ?? y)!
    const owner = x ? 'x' : 'y'
    const loser = x ? 'y' : 'x'
    t.match(winner, { state: 'running', attempts: 1, leaseOwner: owner })
    t.equal(await store.claim(loser, 1000), null, 'a held lease is not claimed')
    t.equal(
      await store.update(job.id, loser, { step: 'create' }, 1000),
      false,
      'only the lease holder writes',
    )
    t.equal(
      await store.update(
        job.id,
        owner,
        { step: 'create', frozenAt: new Date(now).toISOString() },
        1000,
      ),
      true,
    )

    // the gate: frozen, the account still on its source
    t.same(await store.gateEntries(60_000), [
      { did: 'did:plc:one', frozen: true, hostDid: 'did:web:a.test' },
    ])

    // the holder crashes: its lease expires and another instance takes over, where it stopped
    now += 1001
    const resumed = await store.claim(loser, 1000)
    t.match(resumed, { id: job.id, step: 'create', attempts: 2, leaseOwner: loser })
    t.equal(
      await store.switchHost(job.id, owner, { step: 'cleanup' }, 1000),
      false,
      'the old holder cannot flip the routing row',
    )
    t.equal(
      (
        await d.db
          .selectFrom('account')
          .select('hostId')
          .where('did', '=', 'did:plc:one')
          .executeTakeFirstOrThrow()
      ).hostId,
      hosts.a,
    )
    t.equal(await store.switchHost(job.id, loser, { step: 'cleanup' }, 1000), true)
    t.equal(
      (
        await d.db
          .selectFrom('account')
          .select('hostId')
          .where('did', '=', 'did:plc:one')
          .executeTakeFirstOrThrow()
      ).hostId,
      hosts.b,
      'routing row flipped with the step',
    )
    t.equal((await store.get(job.id))!.step, 'cleanup')

    await store.update(
      job.id,
      loser,
      { state: 'done', step: 'finished', frozenAt: null, finishedAt: new Date(now).toISOString() },
      1000,
    )
    await store.release(job.id, loser)
    t.same(
      await store.gateEntries(60_000),
      [{ did: 'did:plc:one', frozen: false, hostDid: 'did:web:b.test' }],
      'recently moved: the new host',
    )
    now += 60_001
    t.same(await store.gateEntries(60_000), [], 'forgotten after the access-token lifetime')
    t.equal(await store.claim('x', 1000), null, 'a finished job is never claimed')
    const next = await store.create({
      did: 'did:plc:one',
      sourceHostId: hosts.b,
      targetHostId: hosts.a,
    })
    t.equal(next.state, 'queued', 'a finished move frees the DID for another')
    t.same(
      (await store.list({ did: 'did:plc:one', limit: 10 })).map((j) => j.id),
      [next.id, job.id],
    )
  })
}

t.test('the gate: AccountMoving while frozen, ExpiredToken for the old host after', async (t) => {
  let entries = [{ did: 'did:plc:one', frozen: true, hostDid: 'did:web:a.test' }]
  const gate = new MoveGate({
    jobs: { gateEntries: async () => entries } as never,
    refreshMs: 1000,
    recentMs: 1000,
    retryAfterSec: 2,
    log: silent,
  })
  await gate.refresh()
  const moving = gate.check('did:plc:one', 'did:web:a.test')
  t.match(moving, { status: 503, error: 'AccountMoving', headers: { 'retry-after': '2' } })
  t.equal(gate.check('did:plc:two', 'did:web:a.test'), null, 'other accounts pass')
  t.match(gate.checkRepo('did:plc:one'), { status: 503 })
  entries = [{ did: 'did:plc:one', frozen: false, hostDid: 'did:web:b.test' }]
  await gate.refresh()
  t.match(
    gate.check('did:plc:one', 'did:web:a.test'),
    { status: 400, error: 'ExpiredToken' },
    'a token for the old host',
  )
  t.equal(gate.check('did:plc:one', 'did:web:b.test'), null, 'a token for the new host passes')
  t.equal(gate.checkRepo('did:plc:one'), null)
})
