import t from 'tap'
import { createAccessToken, AuthScope } from '../src/index.js'
import { basicAdmin, bearer, buildTestApp, HOST } from './helpers.js'

type Env = Awaited<ReturnType<typeof buildTestApp>>
const post = (env: Env, nsid: string, headers: Record<string, string>, payload?: object) =>
  env.app.inject({ method: 'POST', url: `/xrpc/${nsid}`, headers, ...(payload ? { payload } : {}) })

t.test(
  'deactivate then activate: the PDS is told first, with a token whose aud is the PDS',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    // What the PDS passes through: the user's own access token (aud = the PDS).
    const token = await createAccessToken(env.keyring, {
      did: u.did,
      pdsDid: HOST.did,
      scope: AuthScope.Access,
    })
    t.equal(
      (await post(env, 'com.atproto.server.deactivateAccount', bearer(token), {})).statusCode,
      200,
    )
    t.same(env.pdsCalls, [{ op: 'setDeactivated', did: u.did, deactivated: true }])
    t.equal(env.accounts.peek(u.did)!.status, 'deactivated')
    t.match((await env.login(u.handle, u.password)).json(), {
      active: false,
      status: 'deactivated',
    })
    t.equal((await post(env, 'com.atproto.server.activateAccount', bearer(token))).statusCode, 200)
    t.equal(env.accounts.peek(u.did)!.status, 'active')
    t.equal(env.pdsCalls.length, 2)

    env.failPds.on = true
    const failed = await post(env, 'com.atproto.server.deactivateAccount', bearer(token))
    t.equal(failed.statusCode, 500)
    t.equal(failed.json().message, 'Internal Server Error')
    t.equal(env.accounts.peek(u.did)!.status, 'active', 'nothing changed when the PDS failed')

    const app = await createAccessToken(env.keyring, {
      did: u.did,
      pdsDid: HOST.did,
      scope: AuthScope.AppPass,
    })
    t.equal(
      (await post(env, 'com.atproto.server.deactivateAccount', bearer(app))).statusCode,
      400,
      'app passwords cannot deactivate',
    )
  },
)

t.test(
  'delete account: password + emailed code, PDS delete, tombstone, everything revoked',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    const s = (await env.login(u.handle, u.password)).json()
    t.equal(
      (
        await post(
          env,
          'com.atproto.server.requestAccountDelete',
          bearer(await env.serviceJwt(u, 'com.atproto.server.requestAccountDelete')),
        )
      ).statusCode,
      200,
    )
    const code = env.lastCode(u.email)
    t.match(env.mailer.lastTo(u.email)!.subject, /Delete your account/)

    const wrongPw = await post(
      env,
      'com.atproto.server.deleteAccount',
      {},
      { did: u.did, password: 'nope', token: code },
    )
    t.equal(wrongPw.statusCode, 401)
    const wrongCode = await post(
      env,
      'com.atproto.server.deleteAccount',
      {},
      { did: u.did, password: u.password, token: 'AAAAA-AAAAA' },
    )
    t.equal(wrongCode.json().error, 'InvalidToken')
    env.failPds.on = true
    const pdsDown = await post(
      env,
      'com.atproto.server.deleteAccount',
      {},
      { did: u.did, password: u.password, token: code },
    )
    t.equal(pdsDown.statusCode, 500)
    t.equal(env.accounts.peek(u.did)!.status, 'active', 'nothing half-done')
    t.same(env.plcCalls, [])
    env.failPds.on = false

    const ok = await post(
      env,
      'com.atproto.server.deleteAccount',
      {},
      { did: u.did, password: u.password, token: code },
    )
    t.equal(ok.statusCode, 200)
    t.same(env.pdsCalls, [{ op: 'deleteAccount', did: u.did }])
    t.same(env.plcCalls, [{ op: 'tombstone', did: u.did }])
    t.equal(env.accounts.peek(u.did)!.status, 'deleted')
    t.equal((await env.login(u.handle, u.password)).statusCode, 401)
    t.equal(
      (await post(env, 'com.atproto.server.refreshSession', bearer(s.refreshJwt))).json().error,
      'ExpiredToken',
    )
    const again = await post(
      env,
      'com.atproto.server.deleteAccount',
      {},
      { did: u.did, password: u.password, token: code },
    )
    t.equal(again.statusCode, 401)
  },
)

t.test('PLC operation signature: code mailed, op signed with the checked fields', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const sa = (lxm: string) => env.serviceJwt(u, lxm)
  t.equal(
    (
      await post(
        env,
        'com.atproto.identity.requestPlcOperationSignature',
        bearer(await sa('com.atproto.identity.requestPlcOperationSignature')),
      )
    ).statusCode,
    200,
  )
  const code = env.lastCode(u.email)
  const sign = async (payload: object) =>
    post(
      env,
      'com.atproto.identity.signPlcOperation',
      bearer(await sa('com.atproto.identity.signPlcOperation')),
      payload,
    )
  t.equal((await sign({})).statusCode, 400, 'token required')
  t.equal(
    (await sign({ token: code, services: { atproto_pds: { type: 1 } } })).statusCode,
    400,
    'bad services shape',
  )
  t.equal(
    (await sign({ token: code, verificationMethods: { atproto: 'not-a-key' } })).statusCode,
    400,
  )
  t.equal(
    (await sign({ token: 'AAAAA-AAAAA', alsoKnownAs: ['at://x.test'] })).json().error,
    'InvalidToken',
  )
  const ok = await sign({ token: code, alsoKnownAs: ['at://new.test'] })
  t.equal(ok.statusCode, 200)
  t.match(ok.json().operation, { type: 'plc_operation', alsoKnownAs: ['at://new.test'] })
  t.equal((await sign({ token: code })).json().error, 'InvalidToken', 'single use')
})

t.test('admin routes take Basic admin', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  const noAuth = await post(
    env,
    'com.atproto.admin.updateAccountPassword',
    {},
    { did: u.did, password: 'x' },
  )
  t.equal(noAuth.statusCode, 401)
  t.equal(
    (
      await post(env, 'com.atproto.admin.updateAccountPassword', basicAdmin('wrong'), {
        did: u.did,
        password: 'x',
      })
    ).statusCode,
    401,
  )
  t.equal(
    (
      await post(env, 'com.atproto.admin.updateAccountPassword', bearer(s.accessJwt), {
        did: u.did,
        password: 'x',
      })
    ).statusCode,
    401,
  )
  t.equal(
    (
      await post(env, 'com.atproto.admin.updateAccountPassword', basicAdmin(), {
        did: u.did,
        password: 'admin-set',
      })
    ).statusCode,
    200,
  )
  t.equal((await env.login(u.handle, 'admin-set')).statusCode, 200)
  t.equal(
    (await post(env, 'com.atproto.server.refreshSession', bearer(s.refreshJwt))).json().error,
    'ExpiredToken',
  )
  t.equal(
    (
      await post(env, 'com.atproto.admin.updateAccountPassword', basicAdmin(), {
        did: 'did:plc:nobody',
        password: 'x',
      })
    ).json().error,
    'AccountNotFound',
  )

  t.equal(
    (
      await post(env, 'com.atproto.admin.updateAccountEmail', basicAdmin(), {
        account: u.handle,
        email: 'admin@mail.test',
      })
    ).statusCode,
    200,
  )
  t.equal(env.accounts.peek(u.did)!.email, 'admin@mail.test')
  t.equal(
    (
      await post(env, 'com.atproto.admin.updateAccountEmail', basicAdmin(), {
        account: 'ghost.test',
        email: 'g@mail.test',
      })
    ).statusCode,
    400,
  )
})

t.test('admin.sendEmail: Basic admin, or service auth issued for the recipient', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const other = await env.addUser()
  const body = {
    recipientDid: u.did,
    senderDid: 'did:plc:mod',
    content: 'Hello from the moderators',
    subject: 'A note',
  }
  const basic = await post(env, 'com.atproto.admin.sendEmail', basicAdmin(), body)
  t.same(basic.json(), { sent: true })
  t.equal(env.mailer.lastTo(u.email)!.subject, 'A note')
  const sa = await post(
    env,
    'com.atproto.admin.sendEmail',
    bearer(await env.serviceJwt(u, 'com.atproto.admin.sendEmail')),
    body,
  )
  t.equal(sa.statusCode, 200)
  const foreign = await post(
    env,
    'com.atproto.admin.sendEmail',
    bearer(await env.serviceJwt(other, 'com.atproto.admin.sendEmail')),
    body,
  )
  t.equal(foreign.statusCode, 401, 'a service token for another account cannot mail this one')
})

t.test('admin.sendEmail keeps the subject on one line', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const res = await post(env, 'com.atproto.admin.sendEmail', basicAdmin(), {
    recipientDid: u.did,
    senderDid: 'did:plc:mod',
    content: 'x',
    subject: 'Hi\r\nBcc: evil@x.test',
  })
  t.equal(res.statusCode, 200)
  t.equal(env.mailer.lastTo(u.email)!.subject, 'Hi Bcc: evil@x.test')
})
