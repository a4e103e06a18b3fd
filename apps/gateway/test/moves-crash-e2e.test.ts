// @serial-test: real PDS and PLC processes (hold /tmp/entryway-e2e.lock)
import t, { type Test } from 'tap'
import * as plcLib from '@did-plc/lib'
import { MOVE_STEPS, MoveWorker, SimulatedCrash, type MoveCrashPoint } from '@entryway/placement'
import { startPds } from '@entryway/testkit'
import {
  blobHashOn,
  makeUser,
  recordsOn,
  startMoveFleet,
  xrpc,
  type MoveUser,
} from './moves-helpers.js'

t.setTimeout(900_000)

// Issue 15, crash safety: the mover stops dead at every step (before it, and after its effects but
// before they are recorded), a new instance resumes the job, and the account ends either moved or
// still on the source, verified by records, blobs and CIDs. One run SIGKILLs the target PDS mid-move.

const LEASE_MS = 1_500

t.test('a move killed at each step ends moved or still on the source', async (t) => {
  let crashAt: string | null = null
  let onPoint: ((p: MoveCrashPoint) => Promise<void>) | null = null
  const { fleet, gw, E, admin } = await startMoveFleet(t, {
    moves: {
      worker: false,
      leaseMs: LEASE_MS,
      retryDelayMs: 300,
      crashHook: async (_job, p) => {
        if (onPoint) await onPoint(p)
        if (crashAt === `${p.step}:${p.phase}`) {
          crashAt = null
          throw new SimulatedCrash(`crash at ${p.step}:${p.phase}`)
        }
      },
    },
  })
  const plc = new plcLib.Client(fleet.plc.url)
  const db = gw.database.db
  const moves = gw.app.accountMoves
  const urlOf = async (did: string) =>
    (
      await db
        .selectFrom('account')
        .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
        .select('pds_host.url')
        .where('account.did', '=', did)
        .executeTakeFirstOrThrow()
    ).url
  let instance = 0
  /** A fresh instance's worker (another lease owner) runs whatever is claimable until the job ends. */
  const resume = async (id: number) => {
    const deadline = Date.now() + 120_000
    for (;;) {
      const job = (await moves.jobs.get(id))!
      if (!['queued', 'running', 'rolling_back'].includes(job.state)) return job
      if (Date.now() > deadline) throw new Error(`move ${id} stuck at ${job.step}: ${job.error}`)
      const w = new MoveWorker({
        jobs: moves.jobs,
        mover: moves.mover,
        owner: `restarted-${instance++}`,
        concurrency: 1,
        pollMs: 100,
        leaseMs: LEASE_MS,
        log: gw.app.log,
      })
      if ((await w.runOnce()) === 0) await new Promise((r) => setTimeout(r, 200))
    }
  }

  async function assertOneHome(
    t: Test,
    u: MoveUser,
    records: Map<string, string>,
    source: string,
    target: string,
    expect: 'moved' | 'source',
  ) {
    const home = expect === 'moved' ? target : source
    const other = expect === 'moved' ? source : target
    t.equal(await urlOf(u.did), home, `routing row: ${expect}`)
    t.equal(
      (await plc.getDocumentData(u.did)).services.atproto_pds?.endpoint,
      home,
      'the DID document names the same host',
    )
    const status = await xrpc(home, 'com.atproto.admin.getSubjectStatus', {
      auth: admin,
      query: { did: u.did },
    })
    t.equal(status.status, 200)
    t.notOk(status.body.deactivated?.applied, 'active there')
    t.equal(
      (
        await xrpc(other, 'com.atproto.admin.getSubjectStatus', {
          auth: admin,
          query: { did: u.did },
        })
      ).body.error,
      'NotFound',
      'and held nowhere else',
    )
    t.same(
      Object.fromEntries(await recordsOn(home, u.did)),
      Object.fromEntries(records),
      'every record, same CIDs',
    )
    for (const [cid, hash] of u.blobs)
      t.equal(await blobHashOn(home, u.did, cid), hash, 'blob byte-identical')
    t.equal(
      (await gw.app.accountMoves.gate.refresh(), gw.app.accountMoves.gate.isFrozen(u.did)),
      false,
      'no longer frozen',
    )
  }

  const points = MOVE_STEPS.filter((s) => s !== 'finished').flatMap((step) => [
    `${step}:start`,
    `${step}:done`,
  ])
  for (const point of points) {
    await t.test(`crash at ${point}`, async (t) => {
      const u = await makeUser(E, { records: 4, blobs: 1 })
      const source = await urlOf(u.did)
      const target = fleet.pds.map((p) => p.url).find((x) => x !== source)!
      const records = await recordsOn(source, u.did)
      const start = await xrpc(E, 'com.entryway.admin.moveAccount', {
        auth: admin,
        body: { account: u.did, to: target },
      })
      t.equal(start.status, 200)
      crashAt = point
      const first = new MoveWorker({
        jobs: moves.jobs,
        mover: moves.mover,
        owner: `first-${instance++}`,
        concurrency: 1,
        pollMs: 100,
        leaseMs: LEASE_MS,
        log: gw.app.log,
      })
      await first.runOnce()
      t.equal(crashAt, null, 'the run stopped at the crash point')
      const mid = (await moves.jobs.get(start.body.move.id))!
      t.ok(
        ['running'].includes(mid.state),
        `left running at ${mid.step} (lease held until it expires)`,
      )
      const end = await resume(start.body.move.id)
      t.equal(end.state, 'done', `resumed to the end: ${end.error ?? ''}`)
      await assertOneHome(t, u, records, source, target, 'moved')
    })
  }

  await t.test('a refused move (verification fails) rolls back to the source', async (t) => {
    const u = await makeUser(E, { records: 4, blobs: 1 })
    const source = await urlOf(u.did)
    const target = fleet.pds.map((p) => p.url).find((x) => x !== source)!
    const records = await recordsOn(source, u.did)
    const start = await xrpc(E, 'com.entryway.admin.moveAccount', {
      auth: admin,
      body: { account: u.did, to: target },
    })
    // the target loses a record between import and verify: the copies differ, the move is undone
    onPoint = async (p) => {
      if (p.step === 'verify' && p.phase === 'start') {
        onPoint = null
        const path = [...records.keys()][0]!.split('/')
        const tok = await gw.ctx.sessionIssuer.issue({
          did: u.did,
          pdsDid: fleet.pds.find((x) => x.url === target)!.did,
        })
        // a deactivated account refuses writes: reactivate, delete one record, deactivate again
        const set = (applied: boolean) =>
          xrpc(target, 'com.atproto.admin.updateSubjectStatus', {
            auth: admin,
            body: {
              subject: { $type: 'com.atproto.admin.defs#repoRef', did: u.did },
              deactivated: { applied },
            },
          })
        await set(false)
        const del = await xrpc(target, 'com.atproto.repo.deleteRecord', {
          token: tok.accessJwt,
          body: { repo: u.did, collection: path[0], rkey: path[1] },
        })
        t.equal(del.status, 200, `record deleted on the target: ${JSON.stringify(del.body)}`)
        await set(true)
      }
    }
    const end = await resume(start.body.move.id)
    t.equal(end.state, 'rolled_back', `rolled back: ${end.error}`)
    t.match(end.error, /RepoMismatch|records differ/)
    await assertOneHome(t, u, records, source, target, 'source')
  })

  await t.test(
    'the target PDS is SIGKILLed during the import: the move waits for it and completes',
    async (t) => {
      const u = await makeUser(E, { records: 20, blobs: 2 })
      const source = await urlOf(u.did)
      const targetPds = fleet.pds.find((p) => p.url !== source)!
      const records = await recordsOn(source, u.did)
      const start = await xrpc(E, 'com.entryway.admin.moveAccount', {
        auth: admin,
        body: { account: u.did, to: targetPds.url },
      })
      let killed = false
      onPoint = async (p) => {
        if (p.step === 'import' && p.phase === 'start' && !killed) {
          killed = true
          targetPds.kill('SIGKILL')
          await new Promise((r) => setTimeout(r, 300))
        }
      }
      const first = new MoveWorker({
        jobs: moves.jobs,
        mover: moves.mover,
        owner: `first-${instance++}`,
        concurrency: 1,
        pollMs: 100,
        leaseMs: LEASE_MS,
        log: gw.app.log,
      })
      await first.runOnce()
      onPoint = null
      const mid = (await moves.jobs.get(start.body.move.id))!
      t.equal(mid.step, 'import', 'the import step failed while the target was down')
      t.match(mid.error, /import/)
      t.equal(mid.state, 'running', 'retried later, not given up')
      // the PDS comes back on its port and data
      const again = await startPds({
        name: 'pds restarted',
        port: targetPds.port,
        dataDir: targetPds.dataDir,
        serviceDid: targetPds.did,
        plcUrl: fleet.plc.url,
        entryway: fleet.entryway,
        adminPassword: fleet.adminPassword,
        handleDomains: fleet.handleDomains,
        env: {
          PDS_BSKY_APP_VIEW_URL: fleet.entryway.url,
          PDS_BSKY_APP_VIEW_DID: fleet.entryway.did,
        },
      })
      t.teardown(() => again.stop())
      const end = await resume(start.body.move.id)
      t.equal(end.state, 'done', `done after the restart: ${end.error ?? ''}`)
      await assertOneHome(t, u, records, source, targetPds.url, 'moved')
    },
  )
})
