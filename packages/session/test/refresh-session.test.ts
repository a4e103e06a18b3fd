import t from 'tap'
import { bearer, buildTestApp, decodeJwt, HOST } from './helpers.js'

const refresh = (env: Awaited<ReturnType<typeof buildTestApp>>, token: string) =>
  env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.refreshSession',
    headers: bearer(token),
  })

t.test('refresh rotates; the old token gets a 2 h grace and the same successor', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const r1 = await refresh(env, s.refreshJwt)
  t.equal(r1.statusCode, 200)
  const b1 = r1.json()
  t.match(b1, { did: u.did, handle: u.handle, active: true })
  t.equal(decodeJwt(b1.accessJwt).aud, HOST.did)
  t.not(decodeJwt(b1.refreshJwt).jti, decodeJwt(s.refreshJwt).jti)
  const r2 = await refresh(env, s.refreshJwt)
  t.equal(
    decodeJwt(r2.json().refreshJwt).jti,
    decodeJwt(b1.refreshJwt).jti,
    'reuse in grace gives the same successor',
  )
  env.clock.now += 2 * 3600_000 + 1000
  const late = await refresh(env, s.refreshJwt)
  t.equal(late.statusCode, 400)
  t.equal(late.json().error, 'ExpiredToken')
  t.equal((await refresh(env, b1.refreshJwt)).statusCode, 200, 'the successor still works')
})

t.test('10 parallel refreshes give one successor', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const all = await Promise.all(Array.from({ length: 10 }, () => refresh(env, s.refreshJwt)))
  t.same(
    all.map((r) => r.statusCode),
    Array(10).fill(200),
  )
  const jtis = new Set(all.map((r) => decodeJwt(r.json().refreshJwt).jti))
  t.equal(jtis.size, 1)
  t.equal(
    [...env.refreshTokens.rows.values()].filter((r) => r.did === u.did).length,
    2,
    'old + one successor',
  )
})

t.test('access token aud follows the current host', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  env.accounts.peek(u.did)!.host = { id: 2, url: 'http://localhost:3999', did: 'did:web:pds2.test' }
  t.equal(decodeJwt((await refresh(env, s.refreshJwt)).json().accessJwt).aud, 'did:web:pds2.test')
})

t.test('a taken-down account cannot refresh', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  env.accounts.peek(u.did)!.status = 'takendown'
  const r = await refresh(env, s.refreshJwt)
  t.equal(r.statusCode, 401)
  t.equal(r.json().error, 'AccountTakedown')
})

t.test('access tokens and garbage are not refresh tokens', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  t.equal((await refresh(env, s.accessJwt)).json().error, 'InvalidToken')
  t.equal((await refresh(env, 'abc')).json().error, 'InvalidToken')
  t.equal(
    (await env.app.inject({ method: 'POST', url: '/xrpc/com.atproto.server.refreshSession' }))
      .statusCode,
    401,
  )
})

t.test(
  'deleteSession revokes the token, its predecessor and works on expired tokens',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    const s = (await env.login(u.handle, u.password)).json()
    const next = (await refresh(env, s.refreshJwt)).json()
    const del = await env.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.server.deleteSession',
      headers: bearer(next.refreshJwt),
    })
    t.equal(del.statusCode, 200)
    t.equal((await refresh(env, next.refreshJwt)).json().error, 'ExpiredToken')
    t.equal(
      (await refresh(env, s.refreshJwt)).json().error,
      'ExpiredToken',
      'the grace token cannot resurrect the session',
    )

    const s2 = (await env.login(u.handle, u.password)).json()
    env.clock.now += 91 * 24 * 3600_000
    const delExpired = await env.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.server.deleteSession',
      headers: bearer(s2.refreshJwt),
    })
    t.equal(delExpired.statusCode, 200)
    t.notOk(env.refreshTokens.rows.has(decodeJwt(s2.refreshJwt).jti as string))
  },
)
