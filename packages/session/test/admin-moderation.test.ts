import t from 'tap'
import { XrpcError } from '@entryway/xrpc'
import { basicAdmin, bearer, buildTestApp, HOST, type TestApp } from './helpers.js'

// Entryway-owned moderation: admin.updateSubjectStatus / getSubjectStatus / deleteAccount.

const UPDATE = 'com.atproto.admin.updateSubjectStatus'
const GET = 'com.atproto.admin.getSubjectStatus'
const DELETE = 'com.atproto.admin.deleteAccount'
const repoRef = (did: string) => ({ $type: 'com.atproto.admin.defs#repoRef', did })

const post = (env: TestApp, nsid: string, headers: Record<string, string>, payload?: unknown) =>
  env.app.inject({
    method: 'POST',
    url: `/xrpc/${nsid}`,
    headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  })
const refresh = (env: TestApp, jwt: string) =>
  post(env, 'com.atproto.server.refreshSession', bearer(jwt))

t.test('admin moderation routes need Basic admin', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  for (const headers of [{}, basicAdmin('wrong'), bearer(s.accessJwt)]) {
    t.equal(
      (await post(env, UPDATE, headers, { subject: repoRef(u.did), takedown: { applied: true } }))
        .statusCode,
      401,
    )
    t.equal((await post(env, DELETE, headers, { did: u.did })).statusCode, 401)
    t.equal(
      (await env.app.inject({ method: 'GET', url: `/xrpc/${GET}?did=${u.did}`, headers }))
        .statusCode,
      401,
    )
  }
  t.same(env.pdsCalls, [], 'nothing reached the PDS')
  t.equal(env.accounts.peek(u.did)!.status, 'active')
})

t.test(
  'takedown: PDS first, then takendown here with every session ended; reversal restores',
  async (t) => {
    const hook: string[] = []
    const env = await buildTestApp(t, {
      onRevokeAccountSessions: async (did) => void hook.push(did),
    })
    const u = await env.addUser()
    const other = await env.addUser()
    const s = (await env.login(u.handle, u.password)).json()
    const ap = await post(env, 'com.atproto.server.createAppPassword', bearer(s.accessJwt), {
      name: 'app',
    })
    const apSession = (await env.login(u.handle, ap.json().password)).json()
    const otherSession = (await env.login(other.handle, other.password)).json()
    env.pdsForward.answer = (_nsid, call) => ({
      subject: (call.body as { subject: unknown }).subject,
      takedown: { applied: true, ref: 'T-1' },
    })

    const res = await post(env, UPDATE, basicAdmin(), {
      subject: repoRef(u.did),
      takedown: { applied: true, ref: 'T-1' },
    })
    t.equal(res.statusCode, 200)
    t.same(
      res.json(),
      { subject: repoRef(u.did), takedown: { applied: true, ref: 'T-1' } },
      "the PDS's answer",
    )
    t.same(env.pdsCalls, [
      {
        op: UPDATE,
        did: HOST.did,
        call: {
          method: 'POST',
          body: { subject: repoRef(u.did), takedown: { applied: true, ref: 'T-1' } },
        },
      },
    ])
    t.match(env.accounts.peek(u.did), { status: 'takendown', takedownRef: 'T-1' })
    t.same(hook, [u.did], 'OAuth sessions ended through the hook')

    t.equal((await refresh(env, s.refreshJwt)).statusCode, 400, 'password session refresh refused')
    t.equal(
      (await refresh(env, apSession.refreshJwt)).statusCode,
      400,
      'app-password session refresh refused',
    )
    t.equal(
      (await refresh(env, otherSession.refreshJwt)).statusCode,
      200,
      'other accounts untouched',
    )
    const login = await env.login(u.handle, u.password)
    t.equal(login.statusCode, 401)
    t.equal(login.json().error, 'AccountTakedown')
    t.equal(
      (await env.login(u.handle, ap.json().password, { allowTakendown: true })).statusCode,
      401,
      'no app passwords when taken down',
    )
    const allowed = await env.login(u.handle, u.password, { allowTakendown: true })
    t.equal(allowed.statusCode, 200, 'allowTakendown gets a takendown session')
    t.match(allowed.json(), { active: false, status: 'takendown' })
    t.equal((await refresh(env, allowed.json().refreshJwt)).json().error, 'AccountTakedown')

    env.pdsForward.answer = () => ({ subject: repoRef(u.did), takedown: { applied: false } })
    t.equal(
      (
        await post(env, UPDATE, basicAdmin(), {
          subject: repoRef(u.did),
          takedown: { applied: false },
        })
      ).statusCode,
      200,
    )
    t.match(env.accounts.peek(u.did), { status: 'active', takedownRef: null })
    const back = await env.login(u.handle, u.password)
    t.equal(back.statusCode, 200)
    t.equal((await refresh(env, back.json().refreshJwt)).statusCode, 200)
    t.same(hook, [u.did], 'a reversal ends no session')
    t.equal(
      (await refresh(env, s.refreshJwt)).json().error,
      'ExpiredToken',
      'sessions from before the takedown stay ended',
    )
    t.equal((await refresh(env, apSession.refreshJwt)).json().error, 'ExpiredToken')
  },
)

t.test('takedown without a ref records the time; reversal keeps a deactivation', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  await env.accounts.setDeactivated(u.did, true, new Date(env.clock.now).toISOString())
  t.equal(
    (
      await post(env, UPDATE, basicAdmin(), {
        subject: repoRef(u.did),
        takedown: { applied: true },
      })
    ).statusCode,
    200,
  )
  t.match(env.accounts.peek(u.did), {
    status: 'takendown',
    takedownRef: new Date(env.clock.now).toISOString(),
  })
  t.equal(
    (
      await post(env, UPDATE, basicAdmin(), {
        subject: repoRef(u.did),
        takedown: { applied: false },
      })
    ).statusCode,
    200,
  )
  t.equal(env.accounts.peek(u.did)!.status, 'deactivated')
})

t.test('a PDS refusal or outage changes nothing at the Entryway', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  env.failPds.on = true
  const down = await post(env, UPDATE, basicAdmin(), {
    subject: repoRef(u.did),
    takedown: { applied: true },
  })
  t.equal(down.statusCode, 502)
  t.equal(down.json().error, 'UpstreamFailure')
  env.failPds.on = false
  env.pdsForward.answer = () => {
    throw new XrpcError(400, 'InvalidRequest', 'Invalid subject')
  }
  const refused = await post(env, UPDATE, basicAdmin(), {
    subject: repoRef(u.did),
    takedown: { applied: true },
  })
  t.equal(refused.statusCode, 400)
  t.equal(env.accounts.peek(u.did)!.status, 'active')
  t.equal((await refresh(env, s.refreshJwt)).statusCode, 200, 'sessions kept')
})

t.test('input errors and unknown subjects', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const bad = [
    {},
    { subject: { did: u.did }, takedown: { applied: true } },
    { subject: repoRef('not-a-did'), takedown: { applied: true } },
    { subject: repoRef(u.did), takedown: { applied: 'yes' } },
  ]
  for (const payload of bad)
    t.equal(
      (await post(env, UPDATE, basicAdmin(), payload)).json().error,
      'InvalidRequest',
      JSON.stringify(payload),
    )
  const both = await post(env, UPDATE, basicAdmin(), {
    subject: repoRef(u.did),
    takedown: { applied: true },
    deactivated: { applied: false },
  })
  t.match(both.json(), { error: 'InvalidRequest', message: /Cannot activate and takedown/ })
  const unknown = await post(env, UPDATE, basicAdmin(), {
    subject: repoRef('did:plc:nobodynobodynobody'),
    takedown: { applied: true },
  })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().error, 'NotFound')
  t.equal(
    (await post(env, DELETE, basicAdmin(), { did: 'did:plc:nobodynobodynobody' })).json().error,
    'AccountNotFound',
  )
  t.equal((await post(env, DELETE, basicAdmin(), {})).json().error, 'InvalidRequest')
  t.same(env.pdsCalls, [])
})

t.test(
  'record and blob subjects go to the PDS of their repo; the account stays active',
  async (t) => {
    const env = await buildTestApp(t)
    const u = await env.addUser()
    const uri = `at://${u.did}/app.bsky.feed.post/3kabc`
    const record = {
      $type: 'com.atproto.repo.strongRef',
      uri,
      cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
    }
    t.equal(
      (await post(env, UPDATE, basicAdmin(), { subject: record, takedown: { applied: true } }))
        .statusCode,
      200,
    )
    const blob = {
      $type: 'com.atproto.admin.defs#repoBlobRef',
      did: u.did,
      cid: 'bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
    }
    t.equal(
      (await post(env, UPDATE, basicAdmin(), { subject: blob, takedown: { applied: true } }))
        .statusCode,
      200,
    )
    t.equal(env.pdsCalls.length, 2)
    t.equal(env.accounts.peek(u.did)!.status, 'active')
    t.equal((await env.login(u.handle, u.password)).statusCode, 200)
  },
)

t.test('getSubjectStatus answers from the PDS', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser()
  const answer = { subject: repoRef(u.did), takedown: { applied: true, ref: 'T-9' } }
  env.pdsForward.answer = () => answer
  const get = (q: string) =>
    env.app.inject({ method: 'GET', url: `/xrpc/${GET}${q}`, headers: basicAdmin() })
  const res = await get(`?did=${u.did}`)
  t.equal(res.statusCode, 200)
  t.same(res.json(), answer)
  t.same(env.pdsCalls, [
    { op: GET, did: HOST.did, call: { method: 'GET', params: { did: u.did } } },
  ])
  const uri = `at://${u.did}/app.bsky.feed.post/3kabc`
  t.equal((await get(`?uri=${encodeURIComponent(uri)}`)).statusCode, 200)
  t.same(env.pdsCalls[1]!.call, { method: 'GET', params: { uri } })

  t.match((await get('')).json(), { error: 'InvalidRequest', message: 'No provided subject' })
  t.match((await get('?blob=bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm')).json(), {
    message: /Must provide a did/,
  })
  t.equal((await get('?did=not-a-did')).json().error, 'InvalidRequest')
  t.equal((await get('?did=did:plc:nobodynobodynobody')).json().error, 'NotFound')
  env.pdsForward.answer = () => {
    throw new XrpcError(400, 'NotFound', 'Subject not found')
  }
  const nf = await get(`?did=${u.did}`)
  t.equal(nf.statusCode, 400)
  t.equal(nf.json().error, 'NotFound', "the PDS's NotFound passed on")
})

t.test('admin deleteAccount: the same deletion as the user path', async (t) => {
  const hook: string[] = []
  const env = await buildTestApp(t, { onRevokeAccountSessions: async (did) => void hook.push(did) })
  const u = await env.addUser()
  const s = (await env.login(u.handle, u.password)).json()
  env.failPds.on = true
  t.equal((await post(env, DELETE, basicAdmin(), { did: u.did })).statusCode, 500)
  t.equal(env.accounts.peek(u.did)!.status, 'active', 'PDS refusal: nothing changed')
  t.same(env.plcCalls, [])
  env.failPds.on = false

  const res = await post(env, DELETE, basicAdmin(), { did: u.did })
  t.equal(res.statusCode, 200)
  t.same(env.pdsCalls, [{ op: 'deleteAccount', did: u.did }])
  t.same(env.plcCalls, [{ op: 'tombstone', did: u.did }])
  t.equal(env.accounts.peek(u.did)!.status, 'deleted')
  t.same(hook, [u.did])
  t.equal((await env.login(u.handle, u.password)).statusCode, 401)
  t.equal((await refresh(env, s.refreshJwt)).json().error, 'ExpiredToken')
  t.equal(
    (await post(env, DELETE, basicAdmin(), { did: u.did })).json().error,
    'AccountNotFound',
    'once',
  )
})

t.test('admin deleteAccount removes a taken-down account too', async (t) => {
  const env = await buildTestApp(t)
  const u = await env.addUser({ status: 'takendown' })
  t.equal((await post(env, DELETE, basicAdmin(), { did: u.did })).statusCode, 200)
  t.equal(env.accounts.peek(u.did)!.status, 'deleted')
})
