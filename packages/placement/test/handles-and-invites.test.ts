import t from 'tap'
import { ADMIN, alice, build, rejected, signup } from './helpers.js'

t.test('resolveHandle and well-known answer for known handles only', async (t) => {
  const { app } = await build(t)
  const did = (await signup(app, alice)).json().did
  t.same(
    (
      await app.inject({ url: '/xrpc/com.atproto.identity.resolveHandle?handle=ALICE.test' })
    ).json(),
    { did },
  )
  const unknown = await app.inject({
    url: '/xrpc/com.atproto.identity.resolveHandle?handle=nobody.test',
  })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().error, 'HandleNotFound')
  t.equal(
    (await app.inject({ url: '/xrpc/com.atproto.identity.resolveHandle?handle=bad handle' })).json()
      .error,
    'InvalidHandle',
  )
  const wk = await app.inject({
    url: '/.well-known/atproto-did',
    headers: { host: 'alice.test:8080' },
  })
  t.equal(wk.statusCode, 200)
  t.equal(wk.body, did)
  t.match(wk.headers['content-type'], /text\/plain/)
  const none = await app.inject({ url: '/.well-known/atproto-did', headers: { host: 'bob.test' } })
  t.equal(none.statusCode, 404)
  t.equal(none.body, 'User not found')
})

t.test('external handles use the external resolver', async (t) => {
  const { app } = await build(t, {
    externalHandles: { resolve: async (h) => (h === 'alice.com' ? 'did:plc:external' : undefined) },
  })
  t.same(
    (await app.inject({ url: '/xrpc/com.atproto.identity.resolveHandle?handle=alice.com' })).json(),
    { did: 'did:plc:external' },
  )
  t.equal(
    (await app.inject({ url: '/xrpc/com.atproto.identity.resolveHandle?handle=bob.com' }))
      .statusCode,
    400,
  )
})

t.test('updateHandle: PLC, then PDS, then our row; checks first; reverts on failure', async (t) => {
  const { app, pds, plc, store } = await build(t)
  const did = (await signup(app, alice)).json().did
  await signup(app, { handle: 'bob.test', email: 'bob@example.com', password: 'pw' })
  const update = (
    handle: string,
    auth = `Bearer user:${did}`,
    extra: Record<string, unknown> = {},
  ) =>
    app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.identity.updateHandle',
      headers: { authorization: auth },
      payload: { handle, ...extra },
    })

  t.equal((await update('bob.test')).json().error, 'HandleNotAvailable')
  t.equal((await update('admin.test')).json().error, 'HandleNotAvailable')
  t.equal((await update('x.test')).json().error, 'InvalidHandle')
  t.equal(
    (await update('alice.custom.com')).json().message,
    'External handle did not resolve to DID',
  )
  t.equal(
    (await update('alice2.test', `Bearer user:${did}:service`, { did: 'did:plc:someoneelse' }))
      .statusCode,
    403,
  )
  t.equal(plc.handles.size, 0, 'nothing sent for refused updates')

  const ok = await update('alice2.test', `Bearer user:${did}:service`, { did })
  t.equal(ok.statusCode, 200)
  t.equal(plc.handles.get(did), 'alice2.test')
  t.equal(pds.accounts.get(did), 'alice2.test')
  t.equal((await store.getByDid(did))?.handle, 'alice2.test')

  pds.fail.updateHandle = rejected(400, 'InvalidRequest')
  const failed = await update('alice3.test')
  t.equal(failed.statusCode, 502)
  t.equal(plc.handles.get(did), 'alice2.test', 'PLC put back')
  t.equal((await store.getByDid(did))?.handle, 'alice2.test')
})

t.test('invite code routes', async (t) => {
  const { app, store } = await build(t)
  const did = (await signup(app, alice)).json().did
  const noAdmin = await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createInviteCode',
    payload: { useCount: 1 },
  })
  t.equal(noAdmin.statusCode, 401)
  const one = await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createInviteCode',
    headers: { authorization: ADMIN },
    payload: { useCount: 2, forAccount: did },
  })
  t.match(one.json(), { code: /^entryway-[a-z2-7]{5}-[a-z2-7]{5}$/ })
  const many = await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createInviteCodes',
    headers: { authorization: ADMIN },
    payload: { codeCount: 3, useCount: 1 },
  })
  t.equal(many.json().codes[0].codes.length, 3)
  t.equal(many.json().codes[0].account, 'admin')
  const bad = await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createInviteCodes',
    headers: { authorization: ADMIN },
    payload: { codeCount: 'x', useCount: 1 },
  })
  t.equal(bad.statusCode, 400)

  const mine = await app.inject({
    url: '/xrpc/com.atproto.server.getAccountInviteCodes',
    headers: { authorization: `Bearer user:${did}` },
  })
  t.match(mine.json(), {
    codes: [{ code: one.json().code, available: 2, disabled: false, forAccount: did, uses: [] }],
  })
  t.equal(
    (await app.inject({ url: '/xrpc/com.atproto.server.getAccountInviteCodes' })).statusCode,
    401,
  )

  const dis = await app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.admin.disableInviteCodes',
    headers: { authorization: ADMIN },
    payload: { codes: [one.json().code] },
  })
  t.equal(dis.statusCode, 200)
  t.equal((await store.getCode(one.json().code))?.disabled, true)
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/xrpc/com.atproto.admin.disableInviteCodes',
        headers: { authorization: ADMIN },
        payload: { accounts: ['admin'] },
      })
    ).statusCode,
    400,
  )
  const all = await app.inject({
    url: '/xrpc/com.atproto.admin.getInviteCodes?limit=2',
    headers: { authorization: ADMIN },
  })
  t.equal(all.json().codes.length, 2)
  t.ok(all.json().cursor)
})

t.test('operator host endpoints enforce transitions and emptiness', async (t) => {
  const { app } = await build(t)
  await signup(app, alice)
  const upd = (payload: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/xrpc/com.entryway.admin.updateHost',
      headers: { authorization: ADMIN },
      payload,
    })
  t.equal(
    (await upd({ host: 1, status: 'retired' })).json().error,
    'InvalidHostTransition',
    'enabled must drain first',
  )
  t.equal((await upd({ host: 1, status: 'draining' })).json().host.status, 'draining')
  t.equal((await upd({ host: 1, status: 'retired' })).json().error, 'HostNotEmpty')
  t.equal(
    (await upd({ host: 'http://pds2.test', weight: 5, accountCap: 10 })).json().host.weight,
    5,
  )
  t.equal((await upd({ host: 2, weight: -1 })).statusCode, 400)
  const list = await app.inject({
    url: '/xrpc/com.entryway.admin.listHosts',
    headers: { authorization: ADMIN },
  })
  t.match(list.json().hosts, [
    { id: 1, accounts: 1 },
    { id: 2, accounts: 0, accountCap: 10 },
  ])
  t.equal((await app.inject({ url: '/xrpc/com.entryway.admin.listHosts' })).statusCode, 401)
})
