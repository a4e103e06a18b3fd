import t from 'tap'
import {
  MemoryAccountSessions,
  parseRbacPolicy,
  StaticRbacSource,
  type AccountSession,
} from '../src/index.js'
import { Agent, ALICE, BOB, buildHarness } from './helpers.js'

// The account page's sessions: listed for roles that read the account, paged, revoked one by one
// or all at once by roles naming the revoke actions, each attempt checked and audited.

const SUPPORT = 'did:plc:supportsupportsupportsup'
const VIEWER = 'did:plc:viewerviewerviewerviewer'
const NOBODY = 'did:plc:nobodynobodynobodynobody'
const PDS2_SUPPORT = 'did:plc:pdstwopdstwopdstwopdstwo'
const REVOKE = 'com.entryway.admin.revokeAccountSession'
const REVOKE_ALL = 'com.entryway.admin.revokeAccountSessions'

const POLICY = `
roles:
  support:
    endpoints: [com.atproto.admin.getAccountInfo, ${REVOKE}, ${REVOKE_ALL}]
  viewer:
    endpoints: [com.atproto.admin.getAccountInfo]
  status-only:
    endpoints: [com.atproto.admin.getSubjectStatus]
  pds2-support:
    endpoints: [com.atproto.admin.getAccountInfo, ${REVOKE}, ${REVOKE_ALL}]
    hosts: [http://pds2.test]
members:
  ${SUPPORT}: [support]
  ${VIEWER}: [viewer]
  ${NOBODY}: [status-only]
  ${PDS2_SUPPORT}: [pds2-support]
`

const session = (id: string, over: Partial<AccountSession> = {}): AccountSession => ({
  id,
  kind: 'password',
  name: null,
  createdAt: '2026-08-30T10:00:00.000Z',
  expiresAt: '2026-11-30T10:00:00.000Z',
  lastUsedAt: null,
  ...over,
})

async function build(t: Parameters<typeof buildHarness>[0], withSessions = true) {
  const clock = { now: new Date('2026-09-01T12:00:00.000Z') }
  const sessions = new MemoryAccountSessions(() => clock.now)
  sessions.add(ALICE, session('refresh:a1'))
  sessions.add(
    ALICE,
    session('refresh:a2', {
      kind: 'app-password',
      name: '<script>x</script>',
      createdAt: '2026-08-31T10:00:00.000Z',
    }),
  )
  sessions.add(
    ALICE,
    session('oauth:t1', {
      kind: 'oauth',
      name: 'https://app.example/client-metadata.json',
      createdAt: '2026-09-01T09:00:00.000Z',
      lastUsedAt: '2026-09-01T11:00:00.000Z',
    }),
  )
  sessions.add(ALICE, session('refresh:old', { expiresAt: '2026-08-01T00:00:00.000Z' }))
  sessions.add(BOB, session('refresh:b1'))
  const h = await buildHarness(t, {
    rbac: new StaticRbacSource(parseRbacPolicy(POLICY)),
    pageSize: 2,
    ...(withSessions ? { accountSessions: sessions } : {}),
  })
  return { h, sessions }
}

const accountUrl = (did: string, q = '') => `/admin/account/${encodeURIComponent(did)}${q}`
const count = (body: string, s: string) => body.split(s).length - 1
const live = async (s: MemoryAccountSessions, did: string) =>
  (await s.list(did, { limit: 100, offset: 0 })).sessions.map((x) => x.id)

t.test('a role that reads the account sees its live sessions, paged, newest first', async (t) => {
  const { h } = await build(t)
  const support = await h.login(SUPPORT)
  const p1 = await support.get(accountUrl(ALICE))
  t.equal(p1.statusCode, 200)
  t.match(p1.body, '<div class="card" id="sessions">')
  t.equal(count(p1.body, 'data-session-kind='), 2, 'a page of two')
  t.match(p1.body, 'https://app.example/client-metadata.json', 'the OAuth client id')
  t.match(p1.body, '&lt;script&gt;x&lt;/script&gt;', 'the app password name, escaped')
  t.notMatch(p1.body, '<script>x</script>')
  t.ok(
    p1.body.indexOf('data-session-kind="oauth"') <
      p1.body.indexOf('data-session-kind="app-password"'),
    'newest first',
  )
  t.match(p1.body, '2026-09-01 11:00:00Z', 'last used, when known')
  t.equal(count(p1.body, `data-nsid="${REVOKE}"`), 2, 'a revoke button per session')
  t.equal(count(p1.body, `action="confirm/${REVOKE_ALL}"`), 1, 'sign out everywhere, confirmed')
  const next = /rel="next" href="([^"]+)"/.exec(p1.body)?.[1]?.replace(/&amp;/g, '&')
  t.equal(next, `account/${encodeURIComponent(ALICE)}?sessions=2`)
  const p2 = await support.get(`/admin/${next}`)
  t.equal(count(p2.body, 'data-session-kind='), 1, 'the rest; the expired one is not listed')
  t.match(p2.body, 'value="refresh:a1"')
  t.notMatch(p2.body, 'refresh:old')
  t.notMatch(p2.body, 'rel="next"')
  t.match(p2.body, 'rel="prev"')

  const viewer = await h.login(VIEWER)
  const v = await viewer.get(accountUrl(ALICE))
  t.equal(count(v.body, 'data-session-kind='), 2, 'a viewer sees them')
  t.equal(count(v.body, `data-nsid="${REVOKE}"`), 0, 'but has no revoke button')
  t.equal(count(v.body, `data-nsid="${REVOKE_ALL}"`), 0, 'nor sign out everywhere')

  const nobody = await h.login(NOBODY)
  const n = await nobody.get(accountUrl(ALICE))
  t.equal(n.statusCode, 200)
  t.notMatch(n.body, 'id="sessions"', 'a role that cannot read the account sees no sessions')
})

t.test('revoking one session: allowed roles only, only the account’s own, audited', async (t) => {
  const { h, sessions } = await build(t)
  const viewer = await h.login(VIEWER)
  const vcsrf = Agent.csrf((await viewer.get(accountUrl(ALICE))).body)
  const refused = await viewer.form(`/admin/action/${REVOKE}`, {
    _csrf: vcsrf,
    did: ALICE,
    session: 'oauth:t1',
  })
  t.equal(refused.statusCode, 403, 'a viewer may not revoke')
  t.match(h.audit.rows.at(-1), { actorDid: VIEWER, nsid: REVOKE, allowed: false, target: ALICE })
  t.ok((await live(sessions, ALICE)).includes('oauth:t1'), 'still there')

  const pds2 = await h.login(PDS2_SUPPORT)
  const p2csrf = Agent.csrf((await pds2.get(accountUrl(BOB))).body)
  const elsewhere = await pds2.form(`/admin/action/${REVOKE}`, {
    _csrf: p2csrf,
    did: ALICE,
    session: 'oauth:t1',
  })
  t.equal(elsewhere.statusCode, 403, 'a role limited to pds2 may not act on an account of pds1')

  const support = await h.login(SUPPORT)
  const csrf = Agent.csrf((await support.get(accountUrl(ALICE))).body)
  const mismatched = await support.form(`/admin/action/${REVOKE}`, {
    _csrf: csrf,
    did: ALICE,
    session: 'refresh:b1',
  })
  t.equal(mismatched.statusCode, 404, 'another account’s session is not found under this one')
  t.same(await live(sessions, BOB), ['refresh:b1'], 'and is kept')

  const ok = await support.form(`/admin/action/${REVOKE}`, {
    _csrf: csrf,
    did: ALICE,
    session: 'oauth:t1',
  })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, `href="account/${encodeURIComponent(ALICE)}"`, 'leads back to the account')
  t.notOk((await live(sessions, ALICE)).includes('oauth:t1'), 'revoked')
  t.match(h.audit.rows.at(-1), {
    actorDid: SUPPORT,
    nsid: REVOKE,
    target: ALICE,
    allowed: true,
    resultStatus: 200,
  })
  const again = await support.form(`/admin/action/${REVOKE}`, {
    _csrf: csrf,
    did: ALICE,
    session: 'oauth:t1',
  })
  t.equal(again.statusCode, 404, 'gone')
})

t.test('sign out everywhere: confirmed, then every session of that account ends', async (t) => {
  const { h, sessions } = await build(t)
  const support = await h.login(SUPPORT)
  const csrf = Agent.csrf((await support.get(accountUrl(ALICE))).body)
  const confirm = await support.form(`/admin/confirm/${REVOKE_ALL}`, { _csrf: csrf, did: ALICE })
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, 'Sign out everywhere?')
  t.match(confirm.body, `value="${ALICE}"`)
  t.equal((await live(sessions, ALICE)).length, 3, 'nothing ended by the confirmation page')
  const done = await support.form(`/admin/action/${REVOKE_ALL}`, { _csrf: csrf, did: ALICE })
  t.equal(done.statusCode, 200)
  t.same(await live(sessions, ALICE), [], 'all of Alice’s sessions ended')
  t.same(await live(sessions, BOB), ['refresh:b1'], 'Bob’s kept')
  t.match(h.audit.rows.at(-1), { nsid: REVOKE_ALL, target: ALICE, allowed: true })
  const after = await support.get(accountUrl(ALICE))
  t.match(after.body, 'No active sessions.')
  t.equal(count(after.body, `data-nsid="${REVOKE_ALL}"`), 0, 'nothing left to sign out')
})

t.test('without accountSessions: no sessions card, and the actions answer 501', async (t) => {
  const { h } = await build(t, false)
  const support = await h.login(SUPPORT)
  const page = await support.get(accountUrl(ALICE))
  t.notMatch(page.body, 'id="sessions"')
  const res = await support.json(
    `/admin/xrpc/${REVOKE_ALL}`,
    { did: ALICE },
    { 'x-csrf-token': Agent.csrf(page.body) },
  )
  t.equal(res.statusCode, 501)
  t.match(res.json(), { error: 'MethodNotImplemented' })
})

t.test('the JSON API revokes too, with the same checks', async (t) => {
  const { h, sessions } = await build(t)
  const support = await h.login(SUPPORT)
  const csrf = Agent.csrf((await support.get(accountUrl(ALICE))).body)
  const res = await support.json(
    `/admin/xrpc/${REVOKE}`,
    { did: ALICE, session: 'refresh:a2' },
    { 'x-csrf-token': csrf },
  )
  t.equal(res.statusCode, 200, res.body)
  t.notOk((await live(sessions, ALICE)).includes('refresh:a2'))
  const bad = await support.json(
    `/admin/xrpc/${REVOKE}`,
    { did: 'not-a-did', session: 'x' },
    { 'x-csrf-token': csrf },
  )
  t.equal(bad.statusCode, 400)
})
