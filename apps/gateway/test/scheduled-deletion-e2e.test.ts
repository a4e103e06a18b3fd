import t from 'tap'
import { startFleet } from '@entryway/testkit'
import { listenOnFleet } from './in-process-gateway.js'

// deactivateAccount's deleteAfter against a real PDS in entryway mode and a real PLC: the account
// deactivated with a deleteAfter a few seconds away is deleted by the outbox once it passes (repo
// gone on the PDS, DID tombstoned on PLC, sign-in refused); one reactivated in time is kept.
// @serial-test: starts a real PDS and PLC
t.setTimeout(240_000)

type Json = Record<string, any>
const SCHEDULE_MS = 3_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function xrpc(
  base: string,
  nsid: string,
  o: { token?: string; body?: unknown; query?: Record<string, string> } = {},
) {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method: o.query ? 'GET' : 'POST',
    headers,
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json }
}

t.test('scheduled deletion against a real PDS and PLC', async (t) => {
  const fleet = await startFleet({
    pdsCount: 1,
    gateway: false,
    // due jobs are looked for every 200 ms, so the deletion follows deleteAfter closely
    gatewayEnv: { ENTRYWAY_OUTBOX_INTERVAL_MS: '200' },
  })
  t.teardown(() => fleet.stop())
  await listenOnFleet(t, fleet)
  const E = fleet.entryway.url
  const P = fleet.pds[0]!.url

  let n = 0
  async function signedUp(name: string) {
    const handle = `${name}${Date.now().toString(36)}${n++}.test`
    const password = `pw-${handle}`
    const res = await xrpc(E, 'com.atproto.server.createAccount', {
      body: { handle, email: `${handle.replace(/\./g, '-')}@mail.test`, password },
    })
    t.equal(res.status, 200, `createAccount ${res.status === 200 ? '' : JSON.stringify(res.body)}`)
    const s = await xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier: handle, password },
    })
    return { did: res.body.did as string, handle, password, accessJwt: s.body.accessJwt as string }
  }
  const signIn = (u: { handle: string; password: string }) =>
    xrpc(E, 'com.atproto.server.createSession', {
      body: { identifier: u.handle, password: u.password },
    })
  const lastOp = async (did: string) =>
    ((await (await fetch(`${fleet.plc.url}/${did}/log/last`)).json()) as Json).type as string
  const latestCommit = (did: string) =>
    xrpc(P, 'com.atproto.sync.getLatestCommit', { query: { did } })

  // both deactivate through their PDS (which forwards to the Entryway) with a near deleteAfter
  const gone = await signedUp('gone')
  const kept = await signedUp('kept')
  const deleteAfter = new Date(Date.now() + SCHEDULE_MS).toISOString()
  for (const u of [gone, kept]) {
    const de = await xrpc(P, 'com.atproto.server.deactivateAccount', {
      token: u.accessJwt,
      body: { deleteAfter },
    })
    t.equal(de.status, 200, `deactivate with deleteAfter ${JSON.stringify(de.body)}`)
  }
  const past = await xrpc(P, 'com.atproto.server.deactivateAccount', {
    token: kept.accessJwt,
    body: { deleteAfter: new Date(Date.now() - 60_000).toISOString() },
  })
  t.equal(past.status, 400, 'a past deleteAfter is refused through the PDS too')
  t.equal(past.body.error, 'InvalidRequest', past.body.message)

  // one changes their mind before the time
  const act = await xrpc(P, 'com.atproto.server.activateAccount', { token: kept.accessJwt })
  t.equal(act.status, 200, `activate ${JSON.stringify(act.body)}`)

  const due = Date.parse(deleteAfter)
  const deadline = due + 20_000
  let op = await lastOp(gone.did)
  t.equal(op, 'plc_operation', 'not deleted before its time')
  while (op !== 'plc_tombstone' && Date.now() < deadline) {
    await sleep(200)
    op = await lastOp(gone.did)
  }
  t.equal(op, 'plc_tombstone', `tombstoned on PLC ${Date.now() - due} ms after deleteAfter`)
  t.ok(Date.now() >= due, 'not before deleteAfter')
  const repo = await latestCommit(gone.did)
  t.equal(repo.status, 400, 'the repo is gone from the PDS')
  t.equal(repo.body.error, 'RepoNotFound')
  t.equal((await signIn(gone)).status, 401, 'sign-in is refused')

  // the reactivated account outlives the time by a margin and is whole
  await sleep(Math.max(0, due + 1_000 - Date.now()))
  t.equal(await lastOp(kept.did), 'plc_operation', 'the kept DID is live on PLC')
  t.equal((await latestCommit(kept.did)).status, 200, 'its repo is on the PDS')
  const s = await signIn(kept)
  t.equal(s.status, 200, 'it signs in')
  t.equal(s.body.active, true, 'active')
})
