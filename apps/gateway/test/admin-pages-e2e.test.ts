import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ADMIN_SHOTS, startPortalFleet } from './admin-portal-helpers.js'
import { launchChromium } from './oauth-e2e-helpers.js'

// Issue 16 in real headless Chromium against a real fleet: the operator signs in, searches an
// account, opens its page, takes it down and sees it taken down, then opens the hosts page and
// drains a host. (admin-e2e-fleet holds the roles, CSRF, cookie and audit chain cases.)

const PASSWORD = 'correct-horse-9'

async function post(base: string, nsid: string, body: unknown, token?: string) {
  const res = await fetch(new URL(`/xrpc/${nsid}`, base), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> }
}

t.test('the operator finds an account, takes it down, and opens the hosts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'admin-pages-e2e-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const rbacFile = join(dir, 'rbac.yaml')
  const writeRbac = (operator?: string) =>
    writeFileSync(
      rbacFile,
      `roles:
  pds-admin: { endpoints: ['com.atproto.admin.*', com.atproto.server.createInviteCode, entryway.admin.readAudit] }
  fleet-operator: { endpoints: [com.entryway.admin.updateHost, com.entryway.admin.requestCrawl, com.entryway.admin.revokeAccountSession, com.entryway.admin.revokeAccountSessions] }
members:
${operator ? `  ${operator}: [pds-admin, fleet-operator]` : '  did:plc:aaaaaaaaaaaaaaaaaaaaaaaa: [pds-admin]'}
`,
    )
  writeRbac()

  const { fleet, E, PORTAL, db } = await startPortalFleet(t, {
    pdsCount: 1,
    gatewayEnv: { ENTRYWAY_ADMIN_RBAC_FILE: rbacFile },
  })

  const users: Record<
    string,
    { did: string; handle: string; accessJwt: string; refreshJwt: string }
  > = {}
  for (const name of ['operator', 'victim', 'bystander']) {
    const res = await post(E, 'com.atproto.server.createAccount', {
      handle: `${name}-pages.test`,
      email: `${name}@example.com`,
      password: PASSWORD,
    })
    t.equal(res.status, 200, `account ${name}: ${JSON.stringify(res.body)}`)
    users[name] = {
      did: res.body.did,
      handle: res.body.handle,
      accessJwt: res.body.accessJwt,
      refreshJwt: res.body.refreshJwt,
    }
  }
  writeRbac(users.operator!.did)
  // Hot reload (fs.watch, 2 s poll fallback).
  await new Promise((r) => setTimeout(r, 2_500))

  const browser = await launchChromium(t)
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  page.setDefaultTimeout(30_000)
  const shot = (name: string) => page.screenshot({ path: join(ADMIN_SHOTS, name), fullPage: true })

  // Sign in as a newcomer would: /admin, the handle, the password, consent.
  const started = Date.now()
  await page.goto(`${PORTAL}/admin`)
  await page.locator('#identifier').fill(users.operator!.handle)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.locator('input[name="password"]').waitFor()
  const username = page.locator('input[name="username"]')
  if (await username.isEditable()) await username.fill(users.operator!.handle)
  await page.locator('input[name="password"]').fill(PASSWORD)
  await page.getByRole('button', { name: /^sign in$/i }).click()
  const accept = page.getByRole('button', { name: /^(accept|authorize|allow)$/i })
  await Promise.race([
    accept.waitFor().then(() => accept.click()),
    page.waitForURL((u) => u.host === `127.0.0.1:${fleet.entryway.port}`),
  ])
  await page.waitForURL((u) => u.pathname === '/admin')
  const signedIn = Date.now()

  // Search, open the account.
  await page.getByRole('link', { name: 'Accounts', exact: true }).click()
  await page.waitForURL((u) => u.pathname === '/admin/accounts')
  await page.locator('#q').fill('victim')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.waitForURL((u) => u.searchParams.get('q') === 'victim')
  const rows = page.locator('#accounts tbody tr[data-did]')
  t.equal(await rows.count(), 1, 'one account matches')
  await shot('accounts-search.png')
  await rows.getByRole('link', { name: users.victim!.handle }).click()
  await page.locator('#account-handle').waitFor()
  t.equal(await page.locator('#account-handle').innerText(), users.victim!.handle)
  const facts = await page.locator('#account-facts').innerText()
  t.match(facts, users.victim!.did)
  t.match(facts, 'victim@example.com', 'the email, from the PDS')
  t.match(facts, /unconfirmed/, 'not confirmed')
  t.match(facts, fleet.pds[0]!.url, 'its host')
  t.match(await page.locator('#account-status').innerText(), /active/)
  await shot('account.png')

  // Take it down, with a reference, and come back to the account.
  await page.locator('#takedown-ref').fill('ticket-16')
  await page.getByRole('button', { name: 'Take down' }).click()
  await page.getByText('Take down / restore: done').waitFor()
  const tookDown = Date.now()
  await page.locator('#back').click()
  await page.locator('#account-status').waitFor()
  const status = await page.locator('#account-status').innerText()
  t.match(status, /takendown/, 'the page shows it taken down')
  t.match(status, /ticket-16/, 'with its reference')
  t.ok(await page.getByRole('button', { name: 'Restore' }).isVisible(), 'and offers a restore')
  t.match(
    await page.getByRole('table').last().innerText(),
    /com\.atproto\.admin\.updateSubjectStatus/,
    'the takedown is in the account’s audit rows',
  )
  await shot('account-takendown.png')
  const row = await db
    .selectFrom('account')
    .select('status')
    .where('did', '=', users.victim!.did)
    .executeTakeFirstOrThrow()
  t.equal(row.status, 'takendown', 'the Entryway took it down')
  const login = await post(E, 'com.atproto.server.createSession', {
    identifier: users.victim!.handle,
    password: PASSWORD,
  })
  t.equal(login.status, 401)
  t.equal(login.body.error, 'AccountTakedown', 'and refuses its sign-in')

  // The hosts: status, health, load; drain one and enable it again.
  await page.getByRole('link', { name: 'Hosts', exact: true }).click()
  await page.waitForURL((u) => u.pathname === '/admin/hosts')
  const host = page.locator(`tr[data-host="${fleet.pds[0]!.url}"]`)
  const hostText = await host.innerText()
  t.match(hostText, /enabled/)
  t.equal(await host.locator('[data-status="healthy"]').count(), 1, 'healthy')
  t.match(hostText, /3 \/ no cap/, 'its three accounts')
  await shot('hosts.png')
  await host.getByRole('button', { name: 'Drain' }).click()
  await page.getByText('Set host status: done').waitFor()
  await page.locator('#back').click()
  t.match(await page.locator(`tr[data-host="${fleet.pds[0]!.url}"]`).innerText(), /draining/)
  await shot('hosts-draining.png')
  await page
    .locator(`tr[data-host="${fleet.pds[0]!.url}"]`)
    .getByRole('button', { name: 'Enable' })
    .click()
  await page.getByText('Set host status: done').waitFor()

  // The bystander's sessions: the sign-up's and a second sign-in; revoke the newest.
  const second = await post(E, 'com.atproto.server.createSession', {
    identifier: users.bystander!.handle,
    password: PASSWORD,
  })
  t.equal(second.status, 200, 'a second sign-in')
  await page.goto(`${PORTAL}/admin/account/${encodeURIComponent(users.bystander!.did)}`)
  const sessionRows = page.locator('#sessions-table tbody tr')
  await sessionRows.first().waitFor()
  t.equal(await sessionRows.count(), 2, 'both sessions are listed')
  t.match(await sessionRows.first().innerText(), /Password/, 'password sessions')
  await shot('account-sessions.png')
  await sessionRows.first().getByRole('button', { name: 'Revoke' }).click()
  await page.getByText('Revoke session: done').waitFor()
  await page.locator('#back').click()
  await page.locator('#sessions').waitFor()
  t.equal(await page.locator('#sessions-table tbody tr').count(), 1, 'one session left')
  await shot('account-sessions-revoked.png')
  const refresh = (jwt: string) =>
    fetch(new URL('/xrpc/com.atproto.server.refreshSession', E), {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}` },
      signal: AbortSignal.timeout(30_000),
    })
  const revoked = await refresh(second.body.refreshJwt)
  t.equal(revoked.status, 400, 'the revoked refresh token no longer refreshes')
  t.match(await revoked.json(), { error: 'ExpiredToken' })
  t.equal((await refresh(users.bystander!.refreshJwt)).status, 200, 'the other one still does')

  const audit = await db
    .selectFrom('admin_audit')
    .select(['nsid', 'target', 'allowed', 'resultStatus'])
    .where('actorDid', '=', users.operator!.did)
    .execute()
  t.ok(
    audit.some(
      (r) =>
        r.nsid === 'com.atproto.admin.updateSubjectStatus' &&
        r.target === users.victim!.did &&
        r.resultStatus === 200,
    ),
    'the takedown is audited',
  )
  t.equal(
    audit.filter((r) => r.nsid === 'com.entryway.admin.updateHost' && r.resultStatus === 200)
      .length,
    2,
    'drain and enable are audited',
  )
  t.ok(
    audit.some(
      (r) =>
        r.nsid === 'com.entryway.admin.revokeAccountSession' &&
        r.target === users.bystander!.did &&
        r.allowed &&
        r.resultStatus === 200,
    ),
    'the revocation is audited',
  )
  t.comment(
    `sign-in ${signedIn - started} ms; sign-in to takedown done ${tookDown - started} ms (browser time)`,
  )
  t.ok(tookDown - started < 60_000, 'from /admin to a takedown within a minute')
})
