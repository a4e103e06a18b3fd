import t from 'tap'
import { buildTestApp, decodeJwt, HOST, ENTRYWAY_DID } from './helpers.js'

t.test('logs in by handle, email and DID; tokens have the right shape', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser({ confirmed: true })
  for (const id of [u.handle, u.email.toUpperCase(), u.did]) {
    const res = await env.login(id, u.password)
    t.equal(res.statusCode, 200, id)
    const body = res.json()
    t.match(body, {
      did: u.did,
      handle: u.handle,
      email: u.email,
      emailConfirmed: true,
      emailAuthFactor: false,
      active: true,
    })
    t.equal(body.didDoc.id, u.did, 'didDoc included')
    const access = decodeJwt(body.accessJwt)
    t.match(access, { scope: 'com.atproto.access', sub: u.did, aud: HOST.did })
    t.ok((access.exp as number) - (access.iat as number) <= 2 * 3600)
    const refresh = decodeJwt(body.refreshJwt)
    t.match(refresh, { scope: 'com.atproto.refresh', aud: ENTRYWAY_DID })
    t.ok(env.refreshTokens.rows.has(refresh.jti as string), 'refresh jti stored')
  }
})

t.test('wrong password and unknown identifier answer identically', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const wrong = await env.login(u.handle, 'nope')
  const unknown = await env.login('nobody.test', 'nope')
  t.equal(wrong.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  t.same(wrong.json(), unknown.json())
  t.same(wrong.json(), {
    error: 'AuthenticationRequired',
    message: 'Invalid identifier or password',
  })
})

t.test('invalid input is a 400, never a 500', async (t) => {
  const env = await buildTestApp(t)
  for (const payload of [
    {},
    { identifier: 'a' },
    { identifier: 1, password: 'x' },
    'garbage',
    { identifier: 'a', password: 'b', allowTakendown: 'yes' },
  ]) {
    const res = await env.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.server.createSession',
      payload: payload as object,
      headers: { 'content-type': 'application/json' },
    })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().error, 'InvalidRequest')
  }
  const long = await env.login('x.test', 'a'.repeat(600))
  t.equal(long.statusCode, 401)
})

t.test(
  'taken-down accounts: refused, or a takendown-scope session with allowTakendown',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser({ status: 'takendown' })
    const res = await env.login(u.handle, u.password)
    t.equal(res.statusCode, 401)
    t.equal(res.json().error, 'AccountTakedown')
    const ok = await env.login(u.handle, u.password, { allowTakendown: true })
    t.equal(ok.statusCode, 200)
    t.equal(decodeJwt(ok.json().accessJwt).scope, 'com.atproto.takendown')
    t.match(ok.json(), { active: false, status: 'takendown' })
  },
)

t.test('deactivated accounts can log in and see their status', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  await env.accounts.setDeactivated(u.did, true, new Date().toISOString())
  const res = await env.login(u.handle, u.password)
  t.equal(res.statusCode, 200)
  t.match(res.json(), { active: false, status: 'deactivated' })
})

t.test('email 2FA: code required, mailed, single use', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser({ confirmed: true, emailAuthFactor: true })
  const first = await env.login(u.handle, u.password)
  t.equal(first.statusCode, 401)
  t.equal(first.json().error, 'AuthFactorTokenRequired')
  const mail = env.mailer.lastTo(u.email)!
  t.match(mail.subject, /sign-in code.*Example Social/)
  const code = env.lastCode(u.email)
  const bad = await env.login(u.handle, u.password, { authFactorToken: 'AAAAA-BBBBB' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error, 'InvalidToken')
  const ok = await env.login(u.handle, u.password, { authFactorToken: code.toLowerCase() })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().emailAuthFactor, true)
  const again = await env.login(u.handle, u.password, { authFactorToken: code })
  t.equal(again.statusCode, 400, 'a code works once')
  // expired code
  await env.login(u.handle, u.password)
  const code2 = env.lastCode(u.email)
  env.clock.now += 16 * 60 * 1000
  const late = await env.login(u.handle, u.password, { authFactorToken: code2 })
  t.equal(late.json().error, 'ExpiredToken')
  // wrong password never mails a code
  const before = env.mailer.sent.length
  await env.login(u.handle, 'wrong')
  t.equal(env.mailer.sent.length, before)
})

t.test('rate limited per identifier+IP', async (t) => {
  const env = await buildTestApp(t, {
    rateLimits: { loginPerAccount: { points: 3, durationMs: 300_000 } },
  })
  const u = await env.addUser()
  const codes: number[] = []
  for (let i = 0; i < 5; i++) codes.push((await env.login(u.handle, 'wrong')).statusCode)
  t.same(codes, [401, 401, 401, 429, 429])
  const limited = await env.login(u.handle, u.password)
  t.equal(limited.json().error, 'RateLimitExceeded')
  t.ok(limited.headers['retry-after'])
  t.equal((await env.login('other.test', 'x')).statusCode, 401, 'another identifier is not limited')
})

t.test('rate limited per IP across identifiers', async (t) => {
  const env = await buildTestApp(t, {
    rateLimits: { loginPerIp: { points: 4, durationMs: 300_000 } },
  })
  const codes: number[] = []
  for (let i = 0; i < 6; i++) codes.push((await env.login(`n${i}.test`, 'x')).statusCode)
  t.same(codes, [401, 401, 401, 401, 429, 429])
})

t.test('didDoc is left out when the option is off or resolution fails', async (t) => {
  const env = await buildTestApp(t, { includeDidDoc: false })
  const u = await env.addUser()
  t.notOk((await env.login(u.handle, u.password)).json().didDoc)
  const env2 = await buildTestApp(t, {
    didResolver: {
      resolve: async () => {
        throw new Error('plc down')
      },
    },
  })
  const u2 = await env2.addUser()
  const res = await env2.login(u2.handle, u2.password)
  t.equal(res.statusCode, 200)
  t.notOk(res.json().didDoc)
})

t.test('unknown identifiers cost the same scrypt work as wrong passwords', async (t) => {
  const { PasswordGate } = await import('../src/index.js')
  const gate = new PasswordGate(2, 64)
  const env = await buildTestApp(t, { passwordGate: gate })
  const u = await env.addUser()
  await env.login('nobody.test', 'x')
  const unknown = gate.runs
  await env.login(u.handle, 'wrong')
  t.equal(gate.runs - unknown, unknown, 'same number of derivations')
  t.equal(unknown, 2)
})

t.test(
  'a login flood never runs more than passwordConcurrency derivations at once; overflow is 503',
  async (t) => {
    const { PasswordGate } = await import('../src/index.js')
    const gate = new PasswordGate(2, 8)
    const env = await buildTestApp(t, { passwordGate: gate, rateLimits: false })
    const u = await env.addUser()
    const res = await Promise.all(Array.from({ length: 30 }, () => env.login(u.handle, u.password)))
    const codes = res.map((r) => r.statusCode)
    t.equal(gate.peak, 2)
    t.ok(codes.includes(503), 'the queue bound refuses the excess')
    t.ok(codes.includes(200))
    t.notOk(codes.some((c) => c !== 200 && c !== 503))
  },
)

t.test('responses match the lexicon (PDSes in dev mode validate them)', async (t) => {
  const { assertValidXrpcOutput } = await import('@entryway/xrpc')
  const env = await buildTestApp(t)
  const u = await env.addUser({ confirmed: true })
  const s = await env.login(u.handle, u.password)
  t.doesNotThrow(() => assertValidXrpcOutput('com.atproto.server.createSession', s.json()))
  const r = await env.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.refreshSession',
    headers: { authorization: `Bearer ${s.json().refreshJwt}` },
  })
  t.doesNotThrow(() => assertValidXrpcOutput('com.atproto.server.refreshSession', r.json()))
  const g = await env.app.inject({
    method: 'GET',
    url: '/xrpc/com.atproto.server.getSession',
    headers: { authorization: `Bearer ${r.json().accessJwt}` },
  })
  t.doesNotThrow(() => assertValidXrpcOutput('com.atproto.server.getSession', g.json()))
})
