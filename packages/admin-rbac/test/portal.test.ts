import t from 'tap'
import {
  Agent,
  ALICE,
  AUDIT_KEY,
  BOB,
  buildHarness,
  INVITER_DID,
  MOD_DID,
  PDS1_MOD_DID,
  STRANGER_DID,
} from './helpers.js'
import { verifyAuditChain } from '../src/index.js'

t.test(
  'a member signs in and sees the dashboard; the cookie is HttpOnly, SameSite=Lax, signed',
  async (t) => {
    const h = await buildHarness(t)
    const a = new Agent(h.app)
    t.equal((await a.get('/admin')).statusCode, 303, 'no session: to the login page')
    const page = await a.get('/admin/login')
    t.equal(page.statusCode, 200)
    const start = await a.form('/admin/login', {
      _csrf: Agent.csrf(page.body),
      identifier: MOD_DID,
    })
    t.equal(start.statusCode, 303)
    const cb = await h.app.inject({
      method: 'GET',
      url: start.headers.location as string,
      headers: { cookie: a.cookieHeader() },
    })
    t.equal(cb.statusCode, 303)
    t.equal(cb.headers.location, '/admin')
    const set = ([] as string[])
      .concat(cb.headers['set-cookie'] as string | string[])
      .find((c) => c.startsWith('entryway_admin='))!
    t.match(set, /HttpOnly/)
    t.match(set, /SameSite=Lax/)
    t.match(set, /Path=\/admin/)
    t.notMatch(set, /Secure/, 'plain-http loopback: not Secure')
    t.match(set, /Max-Age=86400/)
    a.keep(cb)
    const dash = await a.get('/admin')
    t.equal(dash.statusCode, 200)
    t.match(dash.body, 'alice.test')
    t.match(dash.body, 'Take down')
    t.notMatch(dash.body, 'com.atproto.admin.deleteAccount', 'a moderator sees no delete button')
    t.notMatch(dash.body, 'Create invite code')
    t.equal(h.sessions.sessions.size, 1)
    const login = h.audit.rows.find((r) => r.nsid === 'portal.login')!
    t.match(login, { actorDid: MOD_DID, allowed: true, resultStatus: 200 })
  },
)

t.test('a DID that is not a member sees access denied, and it is audited', async (t) => {
  const h = await buildHarness(t)
  const a = new Agent(h.app)
  const page = await a.get('/admin/login')
  const start = await a.form('/admin/login', {
    _csrf: Agent.csrf(page.body),
    identifier: STRANGER_DID,
  })
  const cb = await a.get(start.headers.location as string)
  t.equal(cb.statusCode, 403)
  t.match(cb.body, 'Access denied')
  t.notOk(a.cookies.has('entryway_admin'), 'no session cookie')
  t.equal(h.sessions.sessions.size, 0)
  t.match(h.audit.rows.at(-1), {
    actorDid: STRANGER_DID,
    nsid: 'portal.login',
    allowed: false,
    resultStatus: 403,
  })
})

t.test('the login form needs its CSRF token', async (t) => {
  const h = await buildHarness(t)
  const a = new Agent(h.app)
  await a.get('/admin/login')
  const res = await a.form('/admin/login', { _csrf: 'forged', identifier: MOD_DID })
  t.equal(res.statusCode, 403)
  const bad = await a.form('/admin/login', {
    _csrf: Agent.csrf((await a.get('/admin/login')).body),
    identifier: 'nobody.test',
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, 'No such account.')
})

t.test('a tampered cookie is refused and audited', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login(MOD_DID)
  const value = a.cookies.get('entryway_admin')!
  const [id, sig] = decodeURIComponent(value).split('.')
  const other = new Agent(h.app)
  other.cookies.set('entryway_admin', encodeURIComponent(`${id}x.${sig}`))
  const res = await other.get('/admin')
  t.equal(res.statusCode, 401)
  t.match(res.body, 'not valid')
  const api = await other.json(
    '/admin/xrpc/com.atproto.admin.getAccountInfo',
    { did: ALICE },
    { 'x-csrf-token': 'x' },
  )
  t.equal(api.statusCode, 401)
  t.match(api.json(), { error: 'AuthenticationRequired' })
  t.match(h.audit.rows.at(-1), {
    actorDid: 'anonymous',
    nsid: 'portal.session',
    allowed: false,
    resultStatus: 401,
    detail: 'tampered session cookie',
  })
})

t.test(
  'an expired session is refused, audited and removed; cleanup removes the rest',
  async (t) => {
    const h = await buildHarness(t)
    const a = await h.login(MOD_DID)
    await h.login(INVITER_DID)
    h.clock.now = new Date(h.clock.now.getTime() + 24 * 3600 * 1000 + 1)
    const res = await a.get('/admin')
    t.equal(res.statusCode, 401)
    t.match(res.body, 'expired')
    t.match(h.audit.rows.at(-1), {
      actorDid: MOD_DID,
      nsid: 'portal.session',
      allowed: false,
      detail: 'expired session cookie',
    })
    t.equal(h.sessions.sessions.size, 1)
    t.equal(await h.sessions.deleteExpired(h.clock.now.toISOString()), 1)
  },
)

t.test(
  'a moderator takes an account down and restores it through the Entryway (which ends its sessions too)',
  async (t) => {
    const h = await buildHarness(t)
    const a = await h.login(MOD_DID)
    const csrf = Agent.csrf((await a.get('/admin')).body)
    const down = await a.form('/admin/action/com.atproto.admin.updateSubjectStatus', {
      _csrf: csrf,
      did: BOB,
      takedown: 'apply',
      ref: 'T-1',
    })
    t.equal(down.statusCode, 200)
    t.match(down.body, 'done')
    t.same(h.entrywayCalls.at(-1), {
      nsid: 'com.atproto.admin.updateSubjectStatus',
      call: {
        method: 'POST',
        body: {
          subject: { $type: 'com.atproto.admin.defs#repoRef', did: BOB },
          takedown: { applied: true, ref: 'T-1' },
        },
      },
    })
    const up = await a.form('/admin/action/com.atproto.admin.updateSubjectStatus', {
      _csrf: csrf,
      did: BOB,
      takedown: 'reverse',
    })
    t.equal(up.statusCode, 200)
    t.match(h.entrywayCalls.at(-1), { call: { body: { takedown: { applied: false } } } })
    t.equal(h.pdsCalls.length, 0, 'never straight to the PDS')
    const rows = h.audit.rows.filter((r) => r.nsid === 'com.atproto.admin.updateSubjectStatus')
    t.equal(rows.length, 2)
    t.match(rows[0], {
      actorDid: MOD_DID,
      target: BOB,
      hostId: 2,
      allowed: true,
      resultStatus: 200,
    })
  },
)

t.test(
  'a moderator cannot delete an account: 403 in the form route and the API, audited, no PDS call',
  async (t) => {
    const h = await buildHarness(t)
    const a = await h.login(MOD_DID)
    const csrf = Agent.csrf((await a.get('/admin')).body)
    const res = await a.form('/admin/action/com.atproto.admin.deleteAccount', {
      _csrf: csrf,
      did: ALICE,
    })
    t.equal(res.statusCode, 403)
    t.match(res.body, 'Not allowed')
    const api = await a.json(
      '/admin/xrpc/com.atproto.admin.deleteAccount',
      { did: ALICE },
      { 'x-csrf-token': csrf },
    )
    t.equal(api.statusCode, 403)
    t.match(api.json(), { error: 'Forbidden' })
    const confirm = await a.form('/admin/confirm/com.atproto.admin.deleteAccount', {
      _csrf: csrf,
      did: ALICE,
    })
    t.equal(confirm.statusCode, 403)
    t.equal(h.pdsCalls.length + h.entrywayCalls.length, 0)
    const denied = h.audit.rows.filter((r) => r.nsid === 'com.atproto.admin.deleteAccount')
    t.equal(denied.length, 3)
    t.ok(denied.every((r) => !r.allowed && r.resultStatus === 403))
  },
)

t.test('state-changing forms need the session CSRF token and same origin', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login(MOD_DID)
  const csrf = Agent.csrf((await a.get('/admin')).body)
  const missing = await a.form('/admin/action/com.atproto.admin.updateSubjectStatus', {
    did: BOB,
    takedown: 'apply',
  })
  t.equal(missing.statusCode, 403)
  const cross = await a.form(
    '/admin/action/com.atproto.admin.updateSubjectStatus',
    { _csrf: csrf, did: BOB, takedown: 'apply' },
    { origin: 'https://evil.example' },
  )
  t.equal(cross.statusCode, 403)
  const api = await a.json('/admin/xrpc/com.atproto.admin.updateSubjectStatus', {
    did: BOB,
    takedown: 'apply',
  })
  t.equal(api.statusCode, 403)
  t.match(api.json(), { error: 'InvalidCsrfToken' })
  t.equal(h.pdsCalls.length + h.entrywayCalls.length, 0)
  t.equal(h.audit.rows.filter((r) => r.detail === 'missing or wrong CSRF token').length, 3)
})

t.test('an invite manager creates an invite code through the Entryway, not a PDS', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login(INVITER_DID)
  const dash = await a.get('/admin')
  t.match(dash.body, 'Create invite code')
  t.notMatch(dash.body, 'Take down')
  const res = await a.form('/admin/action/com.atproto.server.createInviteCode', {
    _csrf: Agent.csrf(dash.body),
    useCount: '2',
  })
  t.equal(res.statusCode, 200)
  t.match(res.body, 'entryway-test-abcde')
  t.same(h.entrywayCalls.at(-1), {
    nsid: 'com.atproto.server.createInviteCode',
    call: { method: 'POST', body: { useCount: 2 } },
  })
  t.equal(h.pdsCalls.length, 0)
  t.match(h.audit.rows.at(-1), {
    actorDid: INVITER_DID,
    nsid: 'com.atproto.server.createInviteCode',
    allowed: true,
    resultStatus: 200,
  })
})

t.test('host-limited roles act only on accounts of their hosts', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login(PDS1_MOD_DID)
  const dash = await a.get('/admin')
  const csrf = Agent.csrf(dash.body)
  const aliceRow = /<tr data-did="did:plc:alice[^]*?<\/tr>/.exec(dash.body)![0]
  const bobRow = /<tr data-did="did:plc:bob[^]*?<\/tr>/.exec(dash.body)![0]
  t.match(aliceRow, 'Take down')
  t.notMatch(bobRow, 'Take down')
  t.equal(
    (
      await a.form('/admin/action/com.atproto.admin.updateSubjectStatus', {
        _csrf: csrf,
        did: ALICE,
        takedown: 'apply',
      })
    ).statusCode,
    200,
  )
  t.equal(
    (
      await a.form('/admin/action/com.atproto.admin.updateSubjectStatus', {
        _csrf: csrf,
        did: BOB,
        takedown: 'apply',
      })
    ).statusCode,
    403,
  )
  t.same(
    h.entrywayCalls.map((c) => (c.call.body as { subject: { did: string } }).subject.did),
    [ALICE],
    'only the allowed one went out',
  )
})

t.test(
  'deletion, subject status and account invites go to the Entryway-owned routes',
  async (t) => {
    const h = await buildHarness(t)
    const a = await h.login((await import('./helpers.js')).ADMIN_DID)
    const csrf = (await (await a.get('/admin/api/session')).json()).csrfToken as string
    const api = (nsid: string, body: Record<string, unknown>) =>
      a.json(`/admin/xrpc/${nsid}`, body, { 'x-csrf-token': csrf })
    t.equal((await api('com.atproto.admin.getSubjectStatus', { did: BOB })).statusCode, 200)
    t.equal(
      (await api('com.atproto.admin.disableAccountInvites', { account: ALICE, note: 'spam' }))
        .statusCode,
      200,
    )
    t.equal(
      (await api('com.atproto.admin.enableAccountInvites', { account: ALICE })).statusCode,
      200,
    )
    t.equal((await api('com.atproto.admin.deleteAccount', { did: BOB })).statusCode, 200)
    t.same(h.entrywayCalls, [
      { nsid: 'com.atproto.admin.getSubjectStatus', call: { method: 'GET', params: { did: BOB } } },
      {
        nsid: 'com.atproto.admin.disableAccountInvites',
        call: { method: 'POST', body: { account: ALICE, note: 'spam' } },
      },
      {
        nsid: 'com.atproto.admin.enableAccountInvites',
        call: { method: 'POST', body: { account: ALICE } },
      },
      { nsid: 'com.atproto.admin.deleteAccount', call: { method: 'POST', body: { did: BOB } } },
    ])
    t.equal(h.pdsCalls.length, 0)
    t.match(
      h.audit.rows.find((r) => r.nsid === 'com.atproto.admin.deleteAccount'),
      { target: BOB, hostId: 2, allowed: true, resultStatus: 200 },
    )
  },
)

t.test('getAccountInfos spans the fleet: one call per host, merged', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login((await import('./helpers.js')).ADMIN_DID)
  const csrf = (await (await a.get('/admin/api/session')).json()).csrfToken as string
  const res = await a.json(
    '/admin/xrpc/com.atproto.admin.getAccountInfos',
    { dids: `${ALICE},${BOB}` },
    { 'x-csrf-token': csrf },
  )
  t.equal(res.statusCode, 200)
  t.equal(res.json().infos.length, 2)
  t.same(h.pdsCalls.map((c) => c.host).sort(), ['http://pds1.test', 'http://pds2.test'])
})

t.test('createAccount answers have their tokens redacted', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login((await import('./helpers.js')).ADMIN_DID)
  const csrf = Agent.csrf((await a.get('/admin')).body)
  const res = await a.form('/admin/action/com.atproto.server.createAccount', {
    _csrf: csrf,
    handle: 'new.test',
    email: 'n@example.com',
    password: 'pw-123456',
  })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, 'secret-a')
  t.match(res.body, '[redacted]')
})

t.test('the whole session leaves a verifiable audit chain', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login(MOD_DID)
  const csrf = Agent.csrf((await a.get('/admin')).body)
  await a.form('/admin/action/com.atproto.admin.getAccountInfo', { _csrf: csrf, did: ALICE })
  await a.form('/admin/logout', { _csrf: csrf })
  t.equal(h.sessions.sessions.size, 0)
  t.equal((await a.get('/admin')).statusCode, 303)
  const v = await verifyAuditChain(h.audit.rows, AUDIT_KEY, await h.checkpoints.latest())
  t.ok(v.ok)
  t.same(
    h.audit.rows.map((r) => r.nsid),
    ['portal.login', 'com.atproto.admin.getAccountInfo', 'portal.logout'],
  )
})

t.test(
  'the delete confirmation opens only from a POSTed portal form (CSRF, same origin) and shows every field, editable',
  async (t) => {
    const h = await buildHarness(t)
    const a = await h.login((await import('./helpers.js')).ADMIN_DID)
    const dash = await a.get('/admin')
    const csrf = Agent.csrf(dash.body)
    const aliceRow = /<tr data-did="did:plc:alice[^]*?<\/tr>/.exec(dash.body)![0]
    t.match(
      aliceRow,
      /<form class="inline" method="post" action="confirm\/com.atproto.admin.deleteAccount"/,
      'the Delete… button is a POST form',
    )
    t.notMatch(dash.body, 'href="confirm/', 'no confirmation link anyone could forge')

    // a link (a phishing mail) cannot open a pre-filled confirmation
    const link = await a.get(`/admin/confirm/com.atproto.admin.deleteAccount?did=${BOB}`)
    t.equal(link.statusCode, 404, 'no GET confirmation page')
    t.notMatch(link.body, 'Yes, delete account')
    const forged = await a.form('/admin/confirm/com.atproto.admin.deleteAccount', { did: BOB })
    t.equal(forged.statusCode, 403, 'a POST without the session CSRF token is refused')
    t.notMatch(forged.body, 'Yes, delete account')
    const cross = await a.form(
      '/admin/confirm/com.atproto.admin.deleteAccount',
      { _csrf: csrf, did: BOB },
      { origin: 'https://evil.example' },
    )
    t.equal(cross.statusCode, 403, 'a cross-origin POST is refused')

    const page = await a.form('/admin/confirm/com.atproto.admin.deleteAccount', {
      _csrf: csrf,
      did: ALICE,
    })
    t.equal(page.statusCode, 200)
    // whitespace-blind: the template's layout is prettier's
    t.match(
      page.body.replace(/\s+/g, ' '),
      `<input id="deleteAccount-did" name="did" type="text" placeholder="did:plc:…" value="${ALICE}" required />`,
      'the DID is a visible, editable field',
    )
    t.notMatch(page.body, /type="hidden" name="(?!_csrf)/, 'no hidden field but the CSRF token')
    t.equal(h.pdsCalls.length + h.entrywayCalls.length, 0, 'nothing deleted by opening the page')
  },
)

t.test('a form whose call is refused (4xx) answers that status, not a 502', async (t) => {
  const h = await buildHarness(t, {
    entryway: {
      call: async () => ({
        status: 400,
        body: { error: 'InvalidRequest', message: 'refused by the route' },
      }),
    },
  })
  const a = await h.login(INVITER_DID)
  const dash = await a.get('/admin')
  const res = await a.form('/admin/action/com.atproto.server.createInviteCode', {
    _csrf: Agent.csrf(dash.body),
    useCount: '2',
  })
  t.equal(res.statusCode, 400)
  t.match(res.body, 'refused by the route')
})
