import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Page } from 'playwright-core'
import { ADMIN_SHOTS, startPortalFleet } from './admin-portal-helpers.js'
import { launchChromium } from './oauth-e2e-helpers.js'

// Done-when of issue 7, in real headless Chromium against real PLC + PDS processes and the
// gateway (in-process, so the test can reach its database to expire a session and break a row).

const PASSWORD = 'correct-horse-9'
type Json = Record<string, any>

async function xrpc(
  base: string,
  nsid: string,
  o: {
    token?: string
    body?: unknown
    query?: Record<string, string>
    headers?: Record<string, string>
  } = {},
) {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const res = await fetch(url, {
    method: o.body !== undefined ? 'POST' : 'GET',
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...o.headers,
    },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  let body: Json
  try {
    body = text ? JSON.parse(text) : {}
  } catch {
    body = { text }
  }
  return { status: res.status, body }
}

t.test('admin portal against a real fleet', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'admin-e2e-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const rbacFile = join(dir, 'rbac.yaml')
  const writeRbac = (members: Record<string, string[]>) =>
    writeFileSync(
      rbacFile,
      `roles:
  pds-admin: { endpoints: ['com.atproto.admin.*', com.atproto.server.createInviteCode, com.atproto.server.createAccount, entryway.admin.readAudit] }
  moderator: { endpoints: [com.atproto.admin.getAccountInfo, com.atproto.admin.getSubjectStatus, com.atproto.admin.updateSubjectStatus] }
  invite-manager: { endpoints: [com.atproto.server.createInviteCode, com.atproto.admin.getInviteCodes, com.atproto.admin.disableInviteCodes] }
members:
${Object.entries(members)
  .map(([d, r]) => `  ${d}: [${r.join(', ')}]`)
  .join('\n')}
`,
    )
  writeRbac({ 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa': ['pds-admin'] })

  const { fleet, E, PORTAL, db } = await startPortalFleet(t, {
    pdsCount: 2,
    gatewayEnv: { ENTRYWAY_ADMIN_RBAC_FILE: rbacFile, ENTRYWAY_INVITE_REQUIRED: 'true' },
  })
  const basic = {
    authorization: `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`,
  }

  const users: Record<string, { did: string; handle: string; accessJwt: string }> = {}
  for (const name of ['boss', 'mod', 'inviter', 'stranger', 'victim']) {
    const code = await xrpc(E, 'com.atproto.server.createInviteCode', {
      body: { useCount: 1 },
      headers: basic,
    })
    t.equal(code.status, 200, `invite for ${name}`)
    const res = await xrpc(E, 'com.atproto.server.createAccount', {
      body: {
        handle: `${name}-e2e.test`,
        email: `${name}@example.com`,
        password: PASSWORD,
        inviteCode: code.body.code,
      },
    })
    t.equal(res.status, 200, `account ${name}: ${JSON.stringify(res.body)}`)
    users[name] = { did: res.body.did, handle: res.body.handle, accessJwt: res.body.accessJwt }
  }
  writeRbac({
    [users.boss!.did]: ['pds-admin'],
    [users.mod!.did]: ['moderator'],
    [users.inviter!.did]: ['invite-manager'],
  })
  // Hot reload (fs.watch, 2 s poll fallback).
  await new Promise((r) => setTimeout(r, 2_500))

  const browser = await launchChromium(t)

  async function signIn(name: string, shot?: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    page.setDefaultTimeout(30_000)
    await page.goto(`${PORTAL}/admin/login`)
    if (shot) await page.screenshot({ path: join(ADMIN_SHOTS, shot), fullPage: true })
    await page.locator('#identifier').fill(users[name]!.handle)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.locator('input[name="password"]').waitFor()
    // The client sends login_hint: the username is then prefilled and read-only.
    const username = page.locator('input[name="username"]')
    if (await username.isEditable()) await username.fill(users[name]!.handle)
    await page.locator('input[name="password"]').fill(PASSWORD)
    await page.getByRole('button', { name: /^sign in$/i }).click()
    const accept = page.getByRole('button', { name: /^(accept|authorize|allow)$/i })
    await Promise.race([
      accept.waitFor().then(() => accept.click()),
      page.waitForURL((u) => u.host === `127.0.0.1:${fleet.entryway.port}`),
    ])
    await page.waitForURL(
      (u) => u.host === `127.0.0.1:${fleet.entryway.port}` && !u.pathname.startsWith('/oauth'),
    )
    await page.waitForLoadState()
    if (new URL(page.url()).pathname !== '/admin' && name !== 'stranger') {
      await page.screenshot({ path: join(ADMIN_SHOTS, `debug-${name}.png`) })
      throw new Error(
        `${name} landed on ${page.url()}: ${(await page.locator('main').innerText()).slice(0, 300)}`,
      )
    }
    return page
  }

  const victimHost = await db
    .selectFrom('account')
    .innerJoin('pds_host', 'pds_host.id', 'account.hostId')
    .select('pds_host.url')
    .where('account.did', '=', users.victim!.did)
    .executeTakeFirstOrThrow()
  const writeVictim = () =>
    xrpc(victimHost.url, 'com.atproto.repo.createRecord', {
      token: users.victim!.accessJwt,
      body: {
        repo: users.victim!.did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text: 'hi', createdAt: new Date().toISOString() },
      },
    })

  await t.test(
    'a moderator signs in through OAuth, takes an account down and restores it, cannot delete',
    async (t) => {
      t.equal((await writeVictim()).status, 200, 'the victim can write before')
      const page = await signIn('mod', 'login.png')
      t.equal(new URL(page.url()).pathname, '/admin')
      await page.screenshot({ path: join(ADMIN_SHOTS, 'dashboard-moderator.png'), fullPage: true })
      const row = page.locator(`tr[data-did="${users.victim!.did}"]`)
      t.equal(
        await page.locator('[data-nsid="com.atproto.admin.deleteAccount"]').count(),
        0,
        'no delete button',
      )
      await row.getByRole('button', { name: 'Take down' }).click()
      await page.getByText('Take down / restore: done').waitFor()
      const down = await writeVictim()
      t.not(down.status, 200, 'the PDS refuses the taken-down account a write')
      t.match(down.body.error, /AccountTakedown|InvalidToken|AuthRequired/)
      const entrywayStatus = async () =>
        (
          await db
            .selectFrom('account')
            .select('status')
            .where('did', '=', users.victim!.did)
            .executeTakeFirstOrThrow()
        ).status
      t.equal(
        await entrywayStatus(),
        'takendown',
        'the Entryway took it down too (logins answer AccountTakedown)',
      )
      await page.goto(`${PORTAL}/admin`)
      await page
        .locator(`tr[data-did="${users.victim!.did}"]`)
        .getByRole('button', { name: 'Restore' })
        .click()
      await page.getByText('Take down / restore: done').waitFor()
      t.equal((await writeVictim()).status, 200, 'writes work again')
      t.equal(await entrywayStatus(), 'active')
      // The handler refuses even a hand-made request.
      await page.goto(`${PORTAL}/admin`)
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue()
      const del = await page.request.post(
        `${PORTAL}/admin/action/com.atproto.admin.deleteAccount`,
        { form: { _csrf: csrf, did: users.victim!.did } },
      )
      t.equal(del.status(), 403)
      const api = await page.request.post(`${PORTAL}/admin/xrpc/com.atproto.admin.deleteAccount`, {
        data: { did: users.victim!.did },
        headers: { 'x-csrf-token': csrf },
      })
      t.equal(api.status(), 403)
      t.equal(
        (
          await xrpc(victimHost.url, 'com.atproto.admin.getAccountInfo', {
            query: { did: users.victim!.did },
            headers: basic,
          })
        ).status,
        200,
        'still there',
      )

      // A tampered cookie is refused.
      const ctx = page.context()
      const cookies = await ctx.cookies()
      const c = cookies.find((x) => x.name === 'entryway_admin')!
      t.ok(c.httpOnly, 'HttpOnly')
      t.equal(c.sameSite, 'Lax')
      await ctx.addCookies([
        { ...c, value: c.value.replace(/^(.)/, (m) => (m === 'A' ? 'B' : 'A')) },
      ])
      const res = await page.goto(`${PORTAL}/admin`)
      t.equal(res!.status(), 401)
      t.ok(await page.getByText('not valid').isVisible())
    },
  )

  await t.test('an invite manager creates a code that then works for a sign-up', async (t) => {
    const page = await signIn('inviter')
    await page.screenshot({
      path: join(ADMIN_SHOTS, 'dashboard-invite-manager.png'),
      fullPage: true,
    })
    const tool = page.locator('[id="tool-com.atproto.server.createInviteCode"]')
    await tool.locator('input[name="useCount"]').fill('1')
    await tool.getByRole('button', { name: 'Create invite code' }).click()
    await page.getByText('Create invite code: done').waitFor()
    const code = JSON.parse(await page.locator('#answer').innerText()).code as string
    t.ok(code)
    const no = await xrpc(E, 'com.atproto.server.createAccount', {
      body: { handle: 'newbie.test', email: 'newbie@example.com', password: PASSWORD },
    })
    t.equal(no.status, 400, 'invites are required')
    const yes = await xrpc(E, 'com.atproto.server.createAccount', {
      body: {
        handle: 'newbie.test',
        email: 'newbie@example.com',
        password: PASSWORD,
        inviteCode: code,
      },
    })
    t.equal(yes.status, 200, JSON.stringify(yes.body))
    // An expired session is refused.
    await db
      .updateTable('admin_session')
      .set({ expiresAt: '2000-01-01T00:00:00.000Z' })
      .where('did', '=', users.inviter!.did)
      .execute()
    const res = await page.goto(`${PORTAL}/admin`)
    t.equal(res!.status(), 401)
    t.ok(await page.getByText('expired').first().isVisible())
  })

  await t.test('a DID that is not a member sees access denied', async (t) => {
    const page = await signIn('stranger')
    t.ok(await page.getByRole('heading', { name: 'Access denied' }).isVisible())
    await page.screenshot({ path: join(ADMIN_SHOTS, 'access-denied.png') })
  })

  await t.test('every attempt is in the audit log, and breaking a row is detected', async (t) => {
    const page = await signIn('boss')
    await page.screenshot({ path: join(ADMIN_SHOTS, 'dashboard-admin.png'), fullPage: true })
    await page.goto(`${PORTAL}/admin/audit?verify=1`)
    await page.locator('#chain-verdict').waitFor()
    t.match(await page.locator('#chain-verdict').innerText(), /Chain intact/)
    await page.screenshot({ path: join(ADMIN_SHOTS, 'audit.png'), fullPage: true })
    const rows = await db.selectFrom('admin_audit').selectAll().orderBy('id').execute()
    const has = (p: Partial<(typeof rows)[number]>, what: string) =>
      t.ok(
        rows.some((r) =>
          Object.entries(p).every(([k, v]) => (r as Record<string, unknown>)[k] === v),
        ),
        what,
      )
    has({ actorDid: users.mod!.did, nsid: 'portal.login', allowed: true }, 'moderator login')
    has(
      {
        actorDid: users.mod!.did,
        nsid: 'com.atproto.admin.updateSubjectStatus',
        allowed: true,
        resultStatus: 200,
      },
      'takedown',
    )
    t.equal(
      rows.filter((r) => r.nsid === 'com.atproto.admin.updateSubjectStatus').length,
      2,
      'takedown and restore',
    )
    t.equal(
      rows.filter(
        (r) => r.nsid === 'com.atproto.admin.deleteAccount' && !r.allowed && r.resultStatus === 403,
      ).length,
      2,
      'both delete attempts denied',
    )
    has(
      {
        actorDid: users.inviter!.did,
        nsid: 'com.atproto.server.createInviteCode',
        allowed: true,
        resultStatus: 200,
      },
      'invite created',
    )
    has(
      { actorDid: users.stranger!.did, nsid: 'portal.login', allowed: false, resultStatus: 403 },
      'non-member refused',
    )
    has(
      { actorDid: 'anonymous', nsid: 'portal.session', detail: 'tampered session cookie' },
      'tampered cookie',
    )
    has(
      { actorDid: users.inviter!.did, nsid: 'portal.session', detail: 'expired session cookie' },
      'expired cookie',
    )
    // Filter in the page.
    await page.goto(`${PORTAL}/admin/audit?allowed=false`)
    t.ok(
      await page.locator('#audit').getByText('com.atproto.admin.deleteAccount').first().isVisible(),
    )
    // Export.
    const csv = await page.request.get(`${PORTAL}/admin/audit/export?format=csv`)
    t.equal(csv.status(), 200)
    t.match(await csv.text(), /^id,at,actorDid,nsid/)
    // Break a row.
    const victim = rows.find((r) => r.nsid === 'com.atproto.admin.deleteAccount')!
    await db.updateTable('admin_audit').set({ allowed: true }).where('id', '=', victim.id).execute()
    await page.goto(`${PORTAL}/admin/audit?verify=1`)
    t.match(
      await page.locator('#chain-verdict').innerText(),
      new RegExp(`BROKEN at row #${victim.id}`),
    )
    await page.screenshot({ path: join(ADMIN_SHOTS, 'audit-broken.png') })
  })
})
