import t from 'tap'
import { bearer, buildTestApp, decodeJwt } from './helpers.js'

t.test('create, log in with, list and revoke app passwords', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const post = (url: string, token: string, payload?: object) =>
    env.app.inject({
      method: 'POST',
      url: `/xrpc/${url}`,
      headers: bearer(token),
      ...(payload ? { payload } : {}),
    })

  const c = await post('com.atproto.server.createAppPassword', s.accessJwt, { name: 'my app' })
  t.equal(c.statusCode, 200)
  t.match(c.json(), {
    name: 'my app',
    privileged: false,
    password: /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/,
  })
  const dup = await post('com.atproto.server.createAppPassword', s.accessJwt, { name: 'my app' })
  t.equal(dup.statusCode, 400)
  const priv = (
    await post('com.atproto.server.createAppPassword', s.accessJwt, {
      name: 'chat',
      privileged: true,
    })
  ).json()

  const appLogin = await env.login(u.handle, c.json().password)
  t.equal(appLogin.statusCode, 200)
  t.equal(decodeJwt(appLogin.json().accessJwt).scope, 'com.atproto.appPass')
  t.equal(
    decodeJwt((await env.login(u.email, priv.password)).json().accessJwt).scope,
    'com.atproto.appPassPrivileged',
  )

  // an app-password session cannot create app passwords
  const fromApp = await post('com.atproto.server.createAppPassword', appLogin.json().accessJwt, {
    name: 'sneaky',
  })
  t.equal(fromApp.statusCode, 400)
  t.equal(fromApp.json().error, 'InvalidToken')

  const list = await env.app.inject({
    method: 'GET',
    url: '/xrpc/com.atproto.server.listAppPasswords',
    headers: bearer(appLogin.json().accessJwt),
  })
  t.same(
    list
      .json()
      .passwords.map((p: { name: string }) => p.name)
      .sort(),
    ['chat', 'my app'],
  )
  t.notOk(JSON.stringify(list.json()).includes(c.json().password), 'passwords are never listed')

  // refreshing an app-password session keeps its scope
  const r = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.refreshSession',
    headers: bearer(appLogin.json().refreshJwt),
  })
  t.equal(decodeJwt(r.json().accessJwt).scope, 'com.atproto.appPass')

  const rev = await post('com.atproto.server.revokeAppPassword', s.accessJwt, { name: 'my app' })
  t.equal(rev.statusCode, 200)
  t.equal(
    (await env.login(u.handle, c.json().password)).statusCode,
    401,
    'revoked password no longer logs in',
  )
  const r2 = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.refreshSession',
    headers: bearer(r.json().refreshJwt),
  })
  t.equal(r2.json().error, 'ExpiredToken', 'its sessions ended')
  t.equal(
    (await env.login(u.handle, u.password)).statusCode,
    200,
    'the account password still works',
  )
})

t.test('app passwords through PDS service auth; taken-down accounts cannot use them', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const sa = await env.serviceJwt(u, 'com.atproto.server.createAppPassword')
  const c = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createAppPassword',
    headers: bearer(sa),
    payload: { name: 'x' },
  })
  t.equal(c.statusCode, 200)
  const bad = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createAppPassword',
    headers: bearer(sa),
    payload: { nom: 'x' },
  })
  t.equal(bad.statusCode, 400)
  env.accounts.peek(u.did)!.status = 'takendown'
  t.equal((await env.login(u.handle, c.json().password, { allowTakendown: true })).statusCode, 401)
})
