import t from 'tap'
import { alice, build, rejected, signup, timeout, unreachable } from './helpers.js'

t.test('creates the account on the least loaded host and returns a session', async (t) => {
  const { app, store, issued, pds } = await build(t)
  const res = await signup(app, { ...alice, handle: 'Alice.TEST' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, {
    handle: 'alice.test',
    did: /^did:plc:[a-z2-7]{24}$/,
    accessJwt: `access:${body.did}`,
    refreshJwt: String,
  })
  t.ok(body.didDoc, 'didDoc included')
  t.same(pds.calls, ['reserve', 'create'])
  t.same(issued, [{ did: body.did, pdsDid: 'did:web:pds1.test' }], 'session for the chosen PDS')
  const acct = await store.getByDid(body.did)
  t.match(acct, { handle: 'alice.test', email: 'alice@example.com', hostId: 1, status: 'active' })
  const row = [...store.signups.values()][0]!
  t.equal(row.state, 'complete')
  t.notMatch(row.passwordScrypt, /hunter2/, 'password stored hashed')
})

t.test('sign-ups spread across hosts', async (t) => {
  const { app, store } = await build(t)
  for (let i = 0; i < 6; i++) {
    t.equal(
      (await signup(app, { handle: `user${i}.test`, email: `u${i}@example.com`, password: 'pw' }))
        .statusCode,
      200,
    )
  }
  t.same([...store.counts().entries()].sort(), [
    [1, 3],
    [2, 3],
  ])
})

t.test('no eligible host → 503, row failed, handle free', async (t) => {
  const { app, hosts, store } = await build(t)
  await hosts.setStatus(1, 'draining')
  await hosts.recordHealth(2, { ok: false, at: new Date().toISOString(), error: 'down' }, 1)
  const res = await signup(app, alice)
  t.equal(res.statusCode, 503)
  t.equal(store.accounts.size, 0)
  t.notOk(await store.isHandleTaken('alice.test'))
})

t.test('an unreachable host is skipped for the next one and marked unhealthy', async (t) => {
  const { app, pds, hosts, issued } = await build(t)
  let first = true
  const orig = pds.reserveSigningKey.bind(pds)
  pds.reserveSigningKey = async () => {
    if (first) {
      first = false
      throw unreachable()
    }
    return orig()
  }
  const res = await signup(app, alice)
  t.equal(res.statusCode, 200)
  t.equal(issued[0]!.pdsDid, 'did:web:pds2.test')
  t.equal((await hosts.get(1))!.healthy, false)
})

t.test('PDS down at createAccount → 502, nothing left, handle free', async (t) => {
  const { app, pds, plc, store } = await build(t)
  pds.fail.create = unreachable()
  const res = await signup(app, alice)
  t.equal(res.statusCode, 502)
  t.equal(res.json().error, 'UpstreamFailure')
  t.equal(store.accounts.size, 0)
  t.equal([...store.signups.values()][0]!.state, 'failed')
  t.equal(plc.dids.size, 0)
  pds.fail = {}
  t.equal((await signup(app, alice)).statusCode, 200, 'the handle can be used again')
})

t.test('PDS rejects → 502 without its message, nothing left', async (t) => {
  const { app, pds, store } = await build(t)
  pds.fail.create = rejected(400, 'IncompatibleDidDoc')
  const res = await signup(app, alice)
  t.equal(res.statusCode, 502)
  t.notMatch(res.json().message, /IncompatibleDidDoc/)
  t.equal(store.accounts.size, 0)
})

t.test('PDS created the account but the answer was lost → the account is kept', async (t) => {
  const { app, pds, store } = await build(t)
  pds.createThenFail = timeout()
  const res = await signup(app, alice)
  t.equal(res.statusCode, 200)
  t.equal(store.accounts.size, 1)
  t.same(pds.calls, ['reserve', 'create', 'has'])
})

t.test(
  'timeout and the PDS cannot say → 504, row left for the reconciler, which cleans it',
  async (t) => {
    const { app, pds, plc, store } = await build(t)
    pds.fail.create = timeout()
    pds.hasAccountAnswer = null
    const res = await signup(app, alice)
    t.equal(res.statusCode, 504)
    const row = [...store.signups.values()][0]!
    t.equal(row.state, 'key_reserved')
    t.ok(await store.isHandleTaken('alice.test'), 'held while unknown')
    // the PDS answers again: it never created the account; PLC had the DID (submitted, then failed)
    pds.hasAccountAnswer = undefined
    plc.dids.add(row.did!)
    const report = await app.entrywayPlacement.reconciler.runOnce(0)
    t.same(report, { completed: 0, failed: 1, deferred: 0 })
    t.ok(plc.tombstoned.has(row.did!), 'DID tombstoned')
    t.notOk(await store.isHandleTaken('alice.test'))
  },
)

t.test('reconciler completes an account the PDS holds', async (t) => {
  const { app, pds, store } = await build(t)
  pds.createThenFail = timeout()
  pds.hasAccountAnswer = null
  t.equal((await signup(app, alice)).statusCode, 504)
  pds.hasAccountAnswer = undefined
  t.same(await app.entrywayPlacement.reconciler.runOnce(0), {
    completed: 1,
    failed: 0,
    deferred: 0,
  })
  t.equal(store.accounts.size, 1)
  // the client retries the identical request: same account, new session
  const again = await signup(app, alice)
  t.equal(again.statusCode, 200)
  t.equal(again.json().did, [...store.accounts.keys()][0])
})

t.test(
  'account row insert fails after the PDS created it → deleted there, tombstoned, failed',
  async (t) => {
    const { app, pds, plc, store } = await build(t)
    const orig = store.complete.bind(store)
    store.complete = async (...args) => {
      // someone else got the handle between our checks and the insert
      store.accounts.set('did:plc:other', {
        did: 'did:plc:other',
        handle: 'alice.test',
        email: null,
        hostId: 2,
        status: 'active',
        createdAt: '',
      })
      return orig(...args)
    }
    const res = await signup(app, alice)
    t.equal(res.statusCode, 400)
    t.equal(res.json().error, 'HandleNotAvailable')
    t.same(pds.calls, ['reserve', 'create', 'delete'])
    t.equal(pds.accounts.size, 0)
    t.equal(plc.tombstoned.size, 1)
    t.equal([...store.signups.values()][0]!.state, 'failed')
  },
)

t.test(
  'two simultaneous sign-ups for one handle → one account, one HandleNotAvailable',
  async (t) => {
    const { app, store } = await build(t)
    const [a, b] = await Promise.all([
      signup(app, { handle: 'race.test', email: 'r1@example.com', password: 'pw1' }),
      signup(app, { handle: 'race.test', email: 'r2@example.com', password: 'pw2' }),
    ])
    t.same([a.statusCode, b.statusCode].sort(), [200, 400])
    t.equal((a.statusCode === 400 ? a : b).json().error, 'HandleNotAvailable')
    t.equal(store.accounts.size, 1)
  },
)

t.test('an identical request sent twice at once creates one account', async (t) => {
  const { app, store, pds } = await build(t)
  const [a, b] = await Promise.all([signup(app, alice), signup(app, alice)])
  t.equal(a.statusCode, 200)
  t.equal(b.statusCode, 200)
  t.equal(a.json().did, b.json().did)
  t.equal(store.accounts.size, 1)
  t.equal(pds.calls.filter((c) => c === 'create').length, 1)
})

t.test('recovery key comes first in rotation keys', async (t) => {
  const { Secp256k1Keypair } = await import('@atproto/crypto')
  const { app, store } = await build(t)
  const recovery = (await Secp256k1Keypair.create()).did()
  const res = await signup(app, { ...alice, recoveryKey: recovery })
  t.equal(res.statusCode, 200)
  const op = JSON.parse([...store.signups.values()][0]!.plcOp!)
  t.equal(op.rotationKeys.length, 2)
  t.equal(op.rotationKeys[0], recovery)
})

t.test(
  'a replayed sign-up gets no tokens once the account changed (password, 2FA, takedown…)',
  async (t) => {
    const { app, store } = await build(t)
    t.equal((await signup(app, alice)).statusCode, 200)
    const replay = await signup(app, alice)
    t.equal(replay.statusCode, 200, 'an identical retry of an untouched account: the same result')
    t.ok(replay.json().accessJwt)
    const account = [...store.accounts.values()][0]!
    // what the session plugin's stores do on a password change (updatedAt moves)
    store.accounts.set(account.did, {
      ...account,
      updatedAt: new Date(Date.parse(account.createdAt) + 1000).toISOString(),
    })
    const changed = await signup(app, alice)
    t.equal(changed.statusCode, 400, 'refused once the account changed')
    t.notOk(changed.json().accessJwt, 'no tokens')
    store.accounts.set(account.did, { ...account, status: 'takendown' })
    t.notOk((await signup(app, alice)).json().accessJwt, 'nor after a takedown')
  },
)
