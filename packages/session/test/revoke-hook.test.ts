import t from 'tap'
import { basicAdmin, buildTestApp, settle } from './helpers.js'
import { resolveOptions } from '../src/options.js'

// onRevokeAccountSessions: the app's hook to end the sessions it keeps elsewhere (OAuth).

function recorder() {
  const calls: string[] = []
  return { calls, hook: async (did: string) => void calls.push(did) }
}

t.test('password reset, admin password change and deletion call the hook once each', async (t) => {
  const r = recorder()
  const env = await buildTestApp(t, { onRevokeAccountSessions: r.hook })
  const u = await env.addUser({ confirmed: true })
  const post = (nsid: string, headers: Record<string, string>, payload: unknown) =>
    env.app.inject({
      method: 'POST',
      url: `/xrpc/${nsid}`,
      headers,
      payload: payload as Record<string, unknown>,
    })

  t.equal(
    (await post('com.atproto.server.requestPasswordReset', {}, { email: u.email })).statusCode,
    200,
  )
  await settle()
  t.equal(
    (await post('com.atproto.server.resetPassword', {}, { token: 'ZZZZZ-ZZZZZ', password: 'x' }))
      .statusCode,
    400,
  )
  t.same(r.calls, [], 'a refused reset changes nothing')
  t.equal(
    (
      await post(
        'com.atproto.server.resetPassword',
        {},
        { token: env.lastCode(u.email), password: 'reset-pass' },
      )
    ).statusCode,
    200,
  )
  t.same(r.calls, [u.did], 'reset')

  t.equal(
    (
      await post('com.atproto.admin.updateAccountPassword', basicAdmin('wrong'), {
        did: u.did,
        password: 'x',
      })
    ).statusCode,
    401,
  )
  t.equal(
    (
      await post('com.atproto.admin.updateAccountPassword', basicAdmin(), {
        did: u.did,
        password: 'admin-set',
      })
    ).statusCode,
    200,
  )
  t.same(r.calls, [u.did, u.did], 'admin password change')

  const s = (await env.login(u.handle, 'admin-set')).json()
  t.equal(
    (
      await post(
        'com.atproto.server.requestAccountDelete',
        { authorization: `Bearer ${s.accessJwt}` },
        {},
      )
    ).statusCode,
    200,
  )
  const code = env.lastCode(u.email)
  t.equal(
    (
      await post(
        'com.atproto.server.deleteAccount',
        {},
        { did: u.did, password: 'admin-set', token: code },
      )
    ).statusCode,
    200,
  )
  t.same(r.calls, [u.did, u.did, u.did], 'deletion')
})

t.test(
  'a failing hook fails the request (the caller learns sessions may still be live)',
  async (t) => {
    const env = await buildTestApp(t, {
      onRevokeAccountSessions: async () => {
        throw new Error('oauth store down')
      },
    })
    const u = await env.addUser()
    const res = await env.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.admin.updateAccountPassword',
      headers: basicAdmin(),
      payload: { did: u.did, password: 'p' },
    })
    t.equal(res.statusCode, 500)
    t.notOk(res.body.includes('oauth store down'), 'no internal detail')
  },
)

t.test('the option must be a function', async (t) => {
  const base = {
    accounts: {},
    appPasswords: {},
    emailTokens: {},
    refreshTokens: {},
    keyring: {},
    didResolver: {},
    mailer: null,
    entrywayDid: 'did:web:e.test',
    serviceName: 'E',
    pdsAdminPassword: 'p',
    plc: {},
  } as never
  t.throws(
    () => resolveOptions({ ...(base as object), onRevokeAccountSessions: 'nope' } as never),
    /onRevokeAccountSessions must be a function/,
  )
  t.type(resolveOptions(base).onRevokeAccountSessions, 'function', 'defaults to a no-op')
})
