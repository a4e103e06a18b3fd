import t from 'tap'
import {
  Agent,
  ADMIN_DID,
  ALICE,
  BOB,
  buildHarness,
  FLEET_DID,
  MOD_DID,
  PDS1_MOD_DID,
  type Harness,
} from './helpers.js'
import type { PdsAdminXrpc } from '../src/index.js'

// The account, accounts, hosts and audit pages: what each role is shown, that the server refuses
// what it is not shown, and that every list pages both ways.

/** A PDS answering getAccountInfo with a full account view (an email to escape, invite codes). */
const pdsWithViews = (calls: string[] = []): PdsAdminXrpc => ({
  async call(host, nsid, call) {
    calls.push(nsid)
    if (nsid === 'com.atproto.admin.getAccountInfo')
      return {
        status: 200,
        body: {
          did: call.params?.did,
          handle: 'alice.test',
          email: '<b>alice</b>@example.com',
          emailConfirmedAt: '2026-01-02T00:00:00Z',
          invitesDisabled: false,
          invites: [{ code: 'pds1-test-abcde', available: 3, disabled: false, uses: [] }],
        },
      }
    return { status: 200, body: { ok: true, host: host.url } }
  },
})

const forms = (body: string, nsid: string) =>
  [...body.matchAll(new RegExp(`data-nsid="${nsid.replace(/\./g, '\\.')}"`, 'g'))].length

/** The links of the page's body (the `<base>` in its head is the one absolute path). */
const links = (body: string) =>
  [...body.slice(body.indexOf('<body>')).matchAll(/(?:href|action)="([^"]*)"/g)].map((m) => m[1]!)

/** A relative link of the page, by its rel (pager links). */
function rel(body: string, name: string): string | undefined {
  const m = new RegExp(`rel="${name}" href="([^"]+)"`).exec(body)
  return m ? `/admin/${m[1]!.replace(/&amp;/g, '&')}` : undefined
}

t.test('the account page shows the account and only the actions the roles allow', async (t) => {
  const h = await buildHarness(t, { pds: pdsWithViews() })
  const admin = await h.login(ADMIN_DID)
  const page = await admin.get(`/admin/account/${encodeURIComponent(ALICE)}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, '<h1 id="account-handle">alice.test</h1>')
  t.match(page.body, 'http://pds1.test', 'its host')
  t.match(page.body, '&lt;b&gt;alice&lt;/b&gt;@example.com', 'the email, escaped')
  t.notMatch(page.body, '<b>alice</b>')
  t.match(page.body, 'data-status="confirmed"', 'email confirmed')
  t.match(page.body, 'pds1-test-abcde', 'its invite codes')
  for (const nsid of [
    'com.atproto.admin.updateSubjectStatus',
    'com.atproto.admin.disableAccountInvites',
    'com.atproto.admin.updateAccountPassword',
    'com.atproto.admin.deleteAccount',
  ])
    t.equal(forms(page.body, nsid), 1, `the admin has ${nsid}`)
  t.match(page.body, 'Recent audit rows', 'the admin reads the audit log')
  t.notOk(
    links(page.body).some((l) => l.startsWith('/')),
    'every link is relative (the prefix is the base)',
  )
  // the page's reads went through the roles and into the audit log
  t.ok(
    h.audit.rows.some(
      (r) => r.nsid === 'com.atproto.admin.getAccountInfo' && r.target === ALICE && r.allowed,
    ),
  )

  const mod = await h.login(MOD_DID)
  const modPage = await mod.get(`/admin/account/${encodeURIComponent(ALICE)}`)
  t.equal(modPage.statusCode, 200)
  t.equal(forms(modPage.body, 'com.atproto.admin.updateSubjectStatus'), 1, 'take down')
  for (const nsid of [
    'com.atproto.admin.disableAccountInvites',
    'com.atproto.admin.updateAccountPassword',
    'com.atproto.admin.deleteAccount',
  ])
    t.equal(forms(modPage.body, nsid), 0, `a moderator has no ${nsid}`)
  t.notMatch(modPage.body, 'Recent audit rows', 'nor the audit log')
  // and the server refuses what the page does not offer
  const csrf = Agent.csrf(modPage.body)
  const refused = await mod.form('/admin/action/com.atproto.admin.disableAccountInvites', {
    _csrf: csrf,
    account: ALICE,
  })
  t.equal(refused.statusCode, 403)
  t.match(h.audit.rows.at(-1), {
    actorDid: MOD_DID,
    nsid: 'com.atproto.admin.disableAccountInvites',
    allowed: false,
    resultStatus: 403,
  })

  // a takedown from the page, then back to the account
  const down = await mod.form('/admin/action/com.atproto.admin.updateSubjectStatus', {
    _csrf: csrf,
    did: ALICE,
    takedown: 'apply',
    ref: 'ticket-7',
  })
  t.equal(down.statusCode, 200)
  t.match(down.body, `href="account/${encodeURIComponent(ALICE)}"`, 'leads back to the account')
  t.match(h.entrywayCalls.at(-1), {
    nsid: 'com.atproto.admin.updateSubjectStatus',
    call: { body: { takedown: { applied: true, ref: 'ticket-7' } } },
  })
})

t.test('a role limited to one host gets buttons, and calls, on that host only', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login(PDS1_MOD_DID)
  const alice = await a.get(`/admin/account/${encodeURIComponent(ALICE)}`)
  const bob = await a.get(`/admin/account/${encodeURIComponent(BOB)}`)
  t.equal(forms(alice.body, 'com.atproto.admin.updateSubjectStatus'), 1, 'on pds1')
  t.equal(forms(bob.body, 'com.atproto.admin.updateSubjectStatus'), 0, 'not on pds2')
  const res = await a.form('/admin/action/com.atproto.admin.updateSubjectStatus', {
    _csrf: Agent.csrf(bob.body),
    did: BOB,
    takedown: 'apply',
  })
  t.equal(res.statusCode, 403)

  const hosts = await a.get('/admin/hosts')
  t.equal(hosts.statusCode, 200)
  const row = (id: number) =>
    hosts.body.slice(
      hosts.body.indexOf(`id="host-${id}"`),
      hosts.body.indexOf('</tr>', hosts.body.indexOf(`id="host-${id}"`)),
    )
  t.match(row(1), 'data-nsid="com.entryway.admin.updateHost"', 'status buttons on pds1')
  t.notMatch(row(2), 'data-nsid="com.entryway.admin.updateHost"', 'none on pds2')
  t.notMatch(hosts.body, 'com.entryway.admin.requestCrawl', 'no crawl without the role')
  const other = await a.form('/admin/action/com.entryway.admin.updateHost', {
    _csrf: Agent.csrf(hosts.body),
    host: '2',
    status: 'disabled',
  })
  t.equal(other.statusCode, 403, 'refused on the other host')
  t.notOk(h.entrywayCalls.some((c) => c.nsid === 'com.entryway.admin.updateHost'))
})

t.test('the hosts page: health, load, capacity; status changes are audited', async (t) => {
  const h = await buildHarness(t)
  const mod = await h.login(MOD_DID)
  const view = await mod.get('/admin/hosts')
  t.equal(view.statusCode, 200)
  t.match(view.body, 'http://pds2.test')
  t.match(view.body, 'data-status="healthy"')
  t.match(view.body, '1 <span class="muted">/ no cap</span>', 'one account each, no cap')
  t.equal(forms(view.body, 'com.entryway.admin.updateHost'), 0, 'a moderator only looks')
  const refused = await mod.form('/admin/action/com.entryway.admin.updateHost', {
    _csrf: Agent.csrf(view.body),
    host: '1',
    status: 'draining',
  })
  t.equal(refused.statusCode, 403)

  const op = await h.login(FLEET_DID)
  const page = await op.get('/admin/hosts')
  // enabled hosts offer drain, disable and a crawl
  t.equal(forms(page.body, 'com.entryway.admin.updateHost'), 4)
  t.equal(forms(page.body, 'com.entryway.admin.requestCrawl'), 2)
  const drain = await op.form('/admin/action/com.entryway.admin.updateHost', {
    _csrf: Agent.csrf(page.body),
    host: '1',
    status: 'draining',
  })
  t.equal(drain.statusCode, 200)
  t.match(drain.body, 'href="hosts"', 'leads back to the hosts')
  t.match(h.entrywayCalls.at(-1), {
    nsid: 'com.entryway.admin.updateHost',
    call: { method: 'POST', body: { host: 1, status: 'draining' } },
  })
  t.match(h.audit.rows.at(-1), {
    actorDid: FLEET_DID,
    nsid: 'com.entryway.admin.updateHost',
    target: 'host:1',
    hostId: 1,
    allowed: true,
  })
  const retire = await op.form('/admin/action/com.entryway.admin.updateHost', {
    _csrf: Agent.csrf(page.body),
    host: '1',
    status: 'retired',
  })
  t.equal(retire.statusCode, 400, 'retiring is not a portal action')
  const unknown = await op.form('/admin/action/com.entryway.admin.requestCrawl', {
    _csrf: Agent.csrf(page.body),
    host: '99',
  })
  t.equal(unknown.statusCode, 400, 'an unknown host is the form’s mistake')
})

t.test('accounts, audit and hosts page forwards and back by cursor', async (t) => {
  const h: Harness = await buildHarness(t, { pageSize: 1 })
  const a = await h.login(ADMIN_DID)
  const first = await a.get('/admin/accounts')
  t.match(first.body, `data-did="${ALICE}"`)
  t.notMatch(first.body, `data-did="${BOB}"`, 'one per page')
  t.notOk(rel(first.body, 'prev'), 'no previous on the first page')
  const second = await a.get(rel(first.body, 'next')!)
  t.match(second.body, `data-did="${BOB}"`)
  t.notOk(rel(second.body, 'next'), 'the last page')
  const back = await a.get(rel(second.body, 'prev')!)
  t.match(back.body, `data-did="${ALICE}"`)
  t.notOk(rel(back.body, 'prev'), 'back at the start')
  t.ok(rel(back.body, 'next'))
  const byEmail = await a.get('/admin/accounts?q=alice%40')
  t.match(byEmail.body, `data-did="${ALICE}"`, 'search by email prefix')
  t.notOk(rel(byEmail.body, 'next'))
  const junk = await a.get('/admin/accounts?cursor=%27%3B--&before=x')
  t.equal(junk.statusCode, 200, 'a malformed cursor is ignored, not a 5xx')

  const hosts = await a.get('/admin/hosts')
  t.match(hosts.body, 'id="host-1"')
  t.notMatch(hosts.body, 'id="host-2"')
  const hosts2 = await a.get(rel(hosts.body, 'next')!)
  t.match(hosts2.body, 'id="host-2"')

  // five audit rows: the login and four page reads of an account
  for (let i = 0; i < 2; i++) await a.get(`/admin/account/${encodeURIComponent(BOB)}`)
  const ids = h.audit.rows.map((r) => r.id).reverse()
  t.ok(ids.length >= 5)
  const top = await a.get('/admin/audit')
  const rowId = (body: string) => Number(/<tbody>\s*<tr>\s*<td>(\d+)<\/td>/.exec(body)?.[1])
  t.equal(rowId(top.body), ids[0], 'newest first')
  const older = await a.get(rel(top.body, 'next')!)
  t.equal(rowId(older.body), ids[1])
  const older2 = await a.get(rel(older.body, 'next')!)
  t.equal(rowId(older2.body), ids[2])
  const newer = await a.get(rel(older2.body, 'prev')!)
  t.equal(rowId(newer.body), ids[1], 'previous is the page just newer')
  const newest = await a.get(rel(newer.body, 'prev')!)
  t.equal(rowId(newest.body), ids[0])
  t.notOk(rel(newest.body, 'prev'), 'nothing newer than the newest')
  // the account filter keeps to its account across pages
  const forBob = await a.get(`/admin/audit?target=${encodeURIComponent(BOB)}`)
  t.match(forBob.body, BOB)
  t.match(rel(forBob.body, 'next') ?? '', `target=${encodeURIComponent(BOB)}`)
})

t.test('an unknown account or a non-DID is a 4xx page', async (t) => {
  const h = await buildHarness(t)
  const a = await h.login(ADMIN_DID)
  t.equal((await a.get('/admin/account/did:plc:nobodynobodynobodynobody')).statusCode, 404)
  t.equal((await a.get('/admin/account/%3Cscript%3E')).statusCode, 400)
  t.equal((await new Agent(h.app).get('/admin/hosts')).statusCode, 303, 'signed out: to login')
})
