import t from 'tap'
import { bearer, buildTestApp, settle } from './helpers.js'

type Env = Awaited<ReturnType<typeof buildTestApp>>
const post = (env: Env, nsid: string, token: string | null, payload?: object) =>
  env.app.inject({
    method: 'POST',
    url: `/xrpc/${nsid}`,
    headers: token ? bearer(token) : {},
    ...(payload ? { payload } : {}),
  })

t.test('confirm email', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  t.equal(
    (await post(env, 'com.atproto.server.requestEmailConfirmation', s.accessJwt)).statusCode,
    200,
  )
  const mail = env.mailer.lastTo(u.email)!
  t.match(mail.subject, /Confirm your email – Example Social/)
  t.match(mail.text, new RegExp(`@${u.handle.replace('.', '\\.')}`))
  const code = env.lastCode(u.email)
  const wrongEmail = await post(env, 'com.atproto.server.confirmEmail', s.accessJwt, {
    email: 'x@y.test',
    token: code,
  })
  t.equal(wrongEmail.json().error, 'InvalidEmail')
  const wrongCode = await post(env, 'com.atproto.server.confirmEmail', s.accessJwt, {
    email: u.email,
    token: 'AAAAA-AAAAA',
  })
  t.equal(wrongCode.json().error, 'InvalidToken')
  t.equal(
    (
      await post(env, 'com.atproto.server.confirmEmail', s.accessJwt, {
        email: u.email,
        token: code,
      })
    ).statusCode,
    200,
  )
  t.ok(env.accounts.peek(u.did)!.emailConfirmedAt)
  t.equal(
    (
      await post(env, 'com.atproto.server.confirmEmail', s.accessJwt, {
        email: u.email,
        token: code,
      })
    ).json().error,
    'InvalidToken',
    'single use',
  )
})

t.test('content-type json with an empty body is accepted for body-less procedures', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const res = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.requestEmailConfirmation',
    headers: { ...bearer(s.accessJwt), 'content-type': 'application/json' },
    payload: '',
  })
  t.equal(res.statusCode, 200)
  const proto = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createSession',
    headers: { 'content-type': 'application/json' },
    payload: '{"identifier":"a","password":"b","__proto__":{"x":1}}',
  })
  t.equal(proto.statusCode, 400, 'prototype poisoning refused')
})

t.test(
  'update email: free while unconfirmed, code required once confirmed; 2FA on and off',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    const s = (await env.login(u.handle, u.password)).json()
    const req = await post(env, 'com.atproto.server.requestEmailUpdate', s.accessJwt)
    t.same(req.json(), { tokenRequired: false })
    t.equal(
      (await post(env, 'com.atproto.server.updateEmail', s.accessJwt, { email: 'New@Mail.test' }))
        .statusCode,
      200,
    )
    t.equal(env.accounts.peek(u.did)!.email, 'new@mail.test')
    const other = await env.addUser({ email: 'taken@mail.test' })
    t.equal(
      (await post(env, 'com.atproto.server.updateEmail', s.accessJwt, { email: other.email }))
        .statusCode,
      400,
    )
    t.equal(
      (await post(env, 'com.atproto.server.updateEmail', s.accessJwt, { email: 'not-an-email' }))
        .statusCode,
      400,
    )
    const on = await post(env, 'com.atproto.server.updateEmail', s.accessJwt, {
      email: 'new@mail.test',
      emailAuthFactor: true,
    })
    t.equal(on.statusCode, 400, '2FA needs a confirmed address')

    await env.accounts.confirmEmail(u.did, new Date().toISOString())
    t.same((await post(env, 'com.atproto.server.requestEmailUpdate', s.accessJwt)).json(), {
      tokenRequired: true,
    })
    const code = env.lastCode('new@mail.test')
    const noToken = await post(env, 'com.atproto.server.updateEmail', s.accessJwt, {
      email: 'new@mail.test',
      emailAuthFactor: true,
    })
    t.equal(noToken.json().error, 'TokenRequired')
    const enable = await post(env, 'com.atproto.server.updateEmail', s.accessJwt, {
      email: 'new@mail.test',
      emailAuthFactor: true,
      token: code,
    })
    t.equal(enable.statusCode, 200)
    t.equal(env.accounts.peek(u.did)!.emailAuthFactor, true)
    t.ok(env.accounts.peek(u.did)!.emailConfirmedAt, 'same address stays confirmed')
    t.equal((await env.login(u.handle, u.password)).json().error, 'AuthFactorTokenRequired')

    // app-password sessions cannot change the email
    const ap = (
      await post(env, 'com.atproto.server.createAppPassword', s.accessJwt, { name: 'a' })
    ).json()
    const apSession = (await env.login(u.handle, ap.password)).json()
    t.equal(
      (await post(env, 'com.atproto.server.requestEmailUpdate', apSession.accessJwt)).statusCode,
      400,
    )

    await post(env, 'com.atproto.server.requestEmailUpdate', s.accessJwt)
    const code2 = env.lastCode('new@mail.test')
    t.equal(
      (
        await post(env, 'com.atproto.server.updateEmail', s.accessJwt, {
          email: 'newer@mail.test',
          token: code2,
        })
      ).statusCode,
      200,
    )
    const a = env.accounts.peek(u.did)!
    t.same(
      [a.email, a.emailConfirmedAt, a.emailAuthFactor],
      ['newer@mail.test', null, false],
      'a new address is unconfirmed, 2FA off',
    )
  },
)

t.test(
  'password reset: mailed code, new password works, sessions end, no account discovery',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    const s = (await env.login(u.handle, u.password)).json()
    const unknown = await post(env, 'com.atproto.server.requestPasswordReset', null, {
      email: 'nobody@mail.test',
    })
    t.equal(unknown.statusCode, 200)
    await settle()
    t.equal(env.mailer.sent.length, 0)
    t.equal(
      (
        await post(env, 'com.atproto.server.requestPasswordReset', null, {
          email: u.email.toUpperCase(),
        })
      ).statusCode,
      200,
    )
    await settle()
    t.match(env.mailer.lastTo(u.email)!.subject, /Reset your password/)
    const code = env.lastCode(u.email)
    t.equal(
      (
        await post(env, 'com.atproto.server.resetPassword', null, {
          token: 'ZZZZZ-ZZZZZ',
          password: 'x',
        })
      ).json().error,
      'InvalidToken',
    )
    t.equal(
      (
        await post(env, 'com.atproto.server.resetPassword', null, {
          token: code,
          password: 'new-password',
        })
      ).statusCode,
      200,
    )
    t.equal((await env.login(u.handle, u.password)).statusCode, 401)
    t.equal((await env.login(u.handle, 'new-password')).statusCode, 200)
    const r = await post(env, 'com.atproto.server.refreshSession', s.refreshJwt)
    t.equal(r.json().error, 'ExpiredToken', 'old sessions ended')
    t.equal(
      (
        await post(env, 'com.atproto.server.resetPassword', null, {
          token: code,
          password: 'again',
        })
      ).json().error,
      'InvalidToken',
      'single use',
    )
    await post(env, 'com.atproto.server.requestPasswordReset', null, { email: u.email })
    await settle()
    const late = env.lastCode(u.email)
    env.clock.now += 15 * 60_000 + 1
    t.equal(
      (
        await post(env, 'com.atproto.server.resetPassword', null, {
          token: late,
          password: 'again',
        })
      ).json().error,
      'ExpiredToken',
    )
  },
)

t.test('email requests are rate limited per account', async (t) => {
  const env = await buildTestApp(t, {
    rateLimits: { emailPerAccount: { points: 2, durationMs: 3_600_000 } },
  })
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const codes = []
  for (let i = 0; i < 3; i++)
    codes.push(
      (await post(env, 'com.atproto.server.requestEmailConfirmation', s.accessJwt)).statusCode,
    )
  t.same(codes, [200, 200, 429])
})

t.test('a failing mailer is a 502 and leaks nothing', async (t) => {
  const env = await buildTestApp(t, {
    mailer: {
      send: async () => {
        throw new Error('smtp password wrong: hunter2')
      },
    },
  })
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const res = await post(env, 'com.atproto.server.requestEmailConfirmation', s.accessJwt)
  t.equal(res.statusCode, 502)
  t.notOk(res.body.includes('hunter2'))
})
