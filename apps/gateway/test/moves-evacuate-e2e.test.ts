// @serial-test: real PDS and PLC processes (hold /tmp/entryway-e2e.lock)
import t from 'tap'
import { main } from '../src/bin/admin.js'
import {
  blobHashOn,
  makeUser,
  recordsOn,
  startMoveFleet,
  xrpc,
  type MoveUser,
} from './moves-helpers.js'

t.setTimeout(600_000)

const ACCOUNTS = Number(process.env.EVACUATE_ACCOUNTS ?? 20)

// Issue 15, "done when": a host holding 20 accounts with records and blobs is evacuated with the
// CLI while a client keeps writing to every account; every acknowledged write is on the target,
// and the emptied host can be retired.

t.test(`evacuating a host of ${ACCOUNTS} accounts while a client writes to them`, async (t) => {
  const { fleet, gw, E, admin } = await startMoveFleet(t, {
    moves: { concurrency: 4, pollMs: 200 },
  })
  const [pds1, pds2] = fleet.pds as [(typeof fleet.pds)[0], (typeof fleet.pds)[0]]
  const db = gw.database.db
  const setStatus = async (url: string, status: string) => {
    const r = await xrpc(E, 'com.entryway.admin.updateHost', {
      auth: admin,
      body: { host: url, status },
    })
    t.equal(r.status, 200, `${url} ${status}: ${JSON.stringify(r.body)}`)
  }
  // every account on pds1: pds2 drains while they sign up
  await setStatus(pds2.url, 'draining')
  const users: MoveUser[] = []
  for (let i = 0; i < ACCOUNTS; i++) users.push(await makeUser(E, { records: 5, blobs: 1 }))
  await setStatus(pds2.url, 'enabled')
  const hostIds = await db
    .selectFrom('account')
    .select('hostId')
    .where(
      'did',
      'in',
      users.map((u) => u.did),
    )
    .execute()
  const pds1Id = (
    await db
      .selectFrom('pds_host')
      .select('id')
      .where('url', '=', pds1.url)
      .executeTakeFirstOrThrow()
  ).id
  t.ok(
    hostIds.every((h) => h.hostId === pds1Id),
    `all ${ACCOUNTS} accounts on pds1`,
  )
  const expected = new Map<string, Map<string, string>>()
  for (const u of users) expected.set(u.did, await recordsOn(pds1.url, u.did))

  // the client: one writer per account, retrying AccountMoving after Retry-After and refreshing on ExpiredToken
  let writing = true
  const answers = new Map<string, number>()
  const writer = async (u: MoveUser) => {
    let token = u.accessJwt
    let refresh = u.refreshJwt
    let n = 0
    while (writing) {
      const r = await xrpc(E, 'com.atproto.repo.createRecord', {
        token,
        body: {
          repo: u.did,
          collection: 'app.bsky.feed.post',
          record: {
            $type: 'app.bsky.feed.post',
            text: `live ${n}`,
            createdAt: new Date().toISOString(),
          },
        },
      })
      const key = `${r.status} ${r.body.error ?? 'ok'}`
      answers.set(key, (answers.get(key) ?? 0) + 1)
      if (r.status === 200) {
        n++
        expected.get(u.did)!.set(r.body.uri.split('/').slice(-2).join('/'), r.body.cid)
        await new Promise((res) => setTimeout(res, 400))
      } else if (r.status === 503 && r.body.error === 'AccountMoving') {
        await new Promise((res) =>
          setTimeout(res, Math.min(Number(r.headers.get('retry-after') ?? 1) * 1000, 500)),
        )
      } else if (r.status === 400 && r.body.error === 'ExpiredToken') {
        const s = await xrpc(E, 'com.atproto.server.refreshSession', {
          auth: `Bearer ${refresh}`,
          post: true,
        })
        if (s.status === 200) {
          token = s.body.accessJwt
          refresh = s.body.refreshJwt
        } else await new Promise((res) => setTimeout(res, 200))
      } else {
        await new Promise((res) => setTimeout(res, 200))
      }
    }
  }
  const writers = users.map(writer)
  await new Promise((r) => setTimeout(r, 1_000))

  const started = performance.now()
  const out = await main([
    'hosts',
    'evacuate',
    pds1.url,
    '--concurrency',
    '4',
    '--url',
    E,
    '--password',
    fleet.adminPassword,
  ])
  const seconds = (performance.now() - started) / 1000
  t.comment(out)
  t.comment(
    `evacuation of ${ACCOUNTS} accounts: ${seconds.toFixed(1)} s; write answers: ${JSON.stringify(Object.fromEntries(answers))}`,
  )
  await new Promise((r) => setTimeout(r, 1_000)) // writes land on the new host too
  writing = false
  await Promise.all(writers)
  t.match(out, new RegExp(`${ACCOUNTS} moved, 0 failed`))
  t.match(out, /the host is empty/)
  for (const key of answers.keys())
    t.ok(
      ['200 ok', '503 AccountMoving', '400 ExpiredToken'].includes(key),
      `the client saw only acknowledged writes, AccountMoving or ExpiredToken: ${key}`,
    )
  t.ok((answers.get('503 AccountMoving') ?? 0) > 0, 'writes met the freeze')

  for (const u of users) {
    const on2 = await recordsOn(pds2.url, u.did)
    const want = expected.get(u.did)!
    const lost = [...want].filter(([k, cid]) => on2.get(k) !== cid)
    t.equal(
      lost.length,
      0,
      `${u.handle}: every acknowledged write (${want.size} records) is on the target`,
    )
    for (const [cid, hash] of u.blobs)
      t.equal(await blobHashOn(pds2.url, u.did, cid), hash, `${u.handle}: blob byte-identical`)
    t.equal(
      (
        await xrpc(pds1.url, 'com.atproto.admin.getSubjectStatus', {
          auth: admin,
          query: { did: u.did },
        })
      ).body.error,
      'NotFound',
    )
  }
  const retire = await xrpc(E, 'com.entryway.admin.updateHost', {
    auth: admin,
    body: { host: pds1.url, status: 'retired' },
  })
  t.equal(retire.status, 200, `the emptied host retires: ${JSON.stringify(retire.body)}`)
})
