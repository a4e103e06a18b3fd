import t from 'tap'
import {
  ACCOUNT_DELETE_JOB,
  AuthScope,
  createAccessToken,
  MAX_DELETE_AFTER_MS,
  MemoryOutboxStore,
  OutboxWorker,
  sessionJobHandlers,
} from '../src/index.js'
import { bearer, buildTestApp, HOST, type TestUser } from './helpers.js'

// deactivateAccount's deleteAfter: a durable outbox job at that time, cancelled by
// activateAccount, that deletes the account everywhere (PDS repo, PLC tombstone, Entryway rows).

const HOUR = 60 * 60 * 1000
const quiet = { info() {}, warn() {}, error() {} }

async function build(t: { teardown(fn: () => unknown): void }) {
  const store = new MemoryOutboxStore()
  const clock = { now: Date.parse('2026-12-03T12:00:00Z') }
  const worker = new OutboxWorker({
    store,
    handlers: {},
    log: quiet,
    now: () => clock.now,
    backoffMs: 1_000,
  })
  const env = await buildTestApp(t, { outbox: worker, now: () => clock.now })
  env.clock.now = clock.now
  for (const [kind, handler] of Object.entries(sessionJobHandlers(env.plc)))
    worker.handle(kind, handler)
  const advance = (ms: number) => {
    clock.now += ms
    env.clock.now = clock.now
  }
  const token = (u: TestUser) =>
    createAccessToken(env.keyring, { did: u.did, pdsDid: HOST.did, scope: AuthScope.Access })
  const call = async (u: TestUser, nsid: string, payload?: object) =>
    env.app.inject({
      method: 'POST',
      url: `/xrpc/${nsid}`,
      headers: bearer(await token(u)),
      ...(payload ? { payload } : {}),
    })
  const deactivate = (u: TestUser, deleteAfter?: string) =>
    call(u, 'com.atproto.server.deactivateAccount', deleteAfter ? { deleteAfter } : {})
  const activate = (u: TestUser) => call(u, 'com.atproto.server.activateAccount')
  const at = (ms: number) => new Date(clock.now + ms).toISOString()
  return { env, store, worker, clock, advance, deactivate, activate, at }
}

t.test('deleteAfter: the account is deleted everywhere once the time has come', async (t) => {
  const { env, store, worker, advance, deactivate, at } = await build(t)
  const u = await env.addUser()
  const other = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const when = at(48 * HOUR)
  t.equal((await deactivate(u, when)).statusCode, 200)
  t.equal(env.accounts.peek(u.did)!.status, 'deactivated')
  t.match(await store.list(), [{ kind: ACCOUNT_DELETE_JOB, key: u.did, runAt: when }])

  advance(48 * HOUR - 1_000)
  t.equal(await worker.runDue(), 0, 'a second early: nothing runs')
  t.equal(env.accounts.peek(u.did)!.status, 'deactivated')
  t.notOk(env.pdsCalls.some((c) => c.op === 'deleteAccount'))

  advance(1_000)
  t.equal(await worker.runDue(), 1, 'due: the deletion runs')
  t.same(
    env.pdsCalls.filter((c) => c.op === 'deleteAccount'),
    [{ op: 'deleteAccount', did: u.did }],
    'the PDS deleted the repo',
  )
  t.same(env.plcCalls, [{ op: 'tombstone', did: u.did }], 'the DID is tombstoned')
  t.equal(env.accounts.peek(u.did)!.status, 'deleted')
  t.equal((await env.login(u.handle, u.password)).statusCode, 401, 'sign-in is refused')
  const refresh = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.refreshSession',
    headers: bearer(s.refreshJwt),
  })
  t.equal(refresh.json().error, 'ExpiredToken', 'its sessions are gone')
  t.same(await store.list(), [], 'the job is done')
  t.equal(env.accounts.peek(other.did)!.status, 'active', 'nobody else is touched')
})

t.test('activateAccount before the time cancels the deletion', async (t) => {
  const { env, store, worker, advance, deactivate, activate, at } = await build(t)
  const u = await env.addUser()
  t.equal((await deactivate(u, at(HOUR))).statusCode, 200)
  t.equal((await store.list()).length, 1)
  advance(HOUR / 2)
  t.equal((await activate(u)).statusCode, 200)
  t.same(await store.list(), [], 'the job is gone')
  advance(HOUR)
  t.equal(await worker.runDue(), 0)
  t.equal(env.accounts.peek(u.did)!.status, 'active', 'the account is kept')
  t.notOk(env.pdsCalls.some((c) => c.op === 'deleteAccount'))
  t.same(env.plcCalls, [])
  t.equal((await env.login(u.handle, u.password)).statusCode, 200)
})

t.test('a past, malformed or too distant deleteAfter is a 400 and changes nothing', async (t) => {
  const { env, store, deactivate, at } = await build(t)
  const u = await env.addUser()
  for (const [value, message] of [
    [at(-1_000), /in the future/],
    [at(0), /in the future/],
    [at(MAX_DELETE_AFTER_MS + 60_000), /within a year/],
    ['tomorrow', /deleteAfter/],
    ['2026-13-45T00:00:00Z', /deleteAfter/],
  ] as const) {
    const res = await deactivate(u, value)
    t.equal(res.statusCode, 400, value)
    t.match(res.json(), { error: 'InvalidRequest', message }, value)
  }
  t.same(env.pdsCalls, [], 'the PDS was not called')
  t.equal(env.accounts.peek(u.did)!.status, 'active')
  t.same(await store.list(), [])
  t.equal((await deactivate(u, at(MAX_DELETE_AFTER_MS))).statusCode, 200, 'a year is allowed')
})

t.test('the last deactivation wins: a new date replaces the schedule, none drops it', async (t) => {
  const { env, store, deactivate, at } = await build(t)
  const u = await env.addUser()
  await deactivate(u, at(HOUR))
  const later = at(5 * HOUR)
  t.equal((await deactivate(u, later)).statusCode, 200)
  t.match(await store.list(), [{ key: u.did, runAt: later }], 'one job, at the new time')
  t.equal((await deactivate(u)).statusCode, 200)
  t.same(await store.list(), [], 'deactivated again without deleteAfter: no schedule')
})

t.test('a failing deletion (PDS down) is retried with backoff until it lands', async (t) => {
  const { env, store, worker, advance, deactivate, at } = await build(t)
  const u = await env.addUser()
  await deactivate(u, at(HOUR))
  advance(HOUR)
  env.failPds.on = true
  t.equal(await worker.runDue(), 0, 'PDS down: failed')
  const [row] = await store.list()
  t.equal(row!.attempts, 1)
  t.match(row!.lastError, /pds down/)
  t.equal(env.accounts.peek(u.did)!.status, 'deactivated', 'nothing deleted here')
  t.same(env.plcCalls, [])
  advance(1_000)
  env.failPds.on = false
  t.equal(await worker.runDue(), 1, 'retried once the PDS is back')
  t.equal(env.accounts.peek(u.did)!.status, 'deleted')
  t.same(env.plcCalls, [{ op: 'tombstone', did: u.did }])
})

t.test('a due job finds the account active again (a race with activation): kept', async (t) => {
  const { env, store, worker, advance, deactivate, at } = await build(t)
  const u = await env.addUser()
  await deactivate(u, at(HOUR))
  // reactivated without the route (as if activation ran between the claim and the check)
  await env.accounts.setDeactivated(u.did, false, at(0))
  advance(HOUR)
  t.equal(await worker.runDue(), 1, 'the job completes')
  t.same(await store.list(), [])
  t.equal(env.accounts.peek(u.did)!.status, 'active', 'and deletes nothing')
  t.notOk(env.pdsCalls.some((c) => c.op === 'deleteAccount'))
})

t.test('without an outbox deleteAfter is validated but not kept', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const token = await createAccessToken(env.keyring, {
    did: u.did,
    pdsDid: HOST.did,
    scope: AuthScope.Access,
  })
  const res = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.deactivateAccount',
    headers: bearer(token),
    payload: { deleteAfter: new Date(env.clock.now - 1).toISOString() },
  })
  t.equal(res.statusCode, 400, 'a past date is refused all the same')
  const ok = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.deactivateAccount',
    headers: bearer(token),
    payload: { deleteAfter: new Date(env.clock.now + HOUR).toISOString() },
  })
  t.equal(ok.statusCode, 200)
  t.equal(env.accounts.peek(u.did)!.status, 'deactivated')
})
