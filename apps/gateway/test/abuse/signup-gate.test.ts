import t from 'tap'
import { abuseGateway, type AbuseGateway } from './helpers.js'
import { PASSING_TOKEN, STAND_IN_SITE_KEY, startCaptchaStandIn } from '../captcha-stand-in.js'

// The sign-up captcha gate through HTTP, against a stand-in siteverify: the page, the
// verification, and createAccount's `verificationCode` refusals (the 200 with a real PDS is in
// signup-gate-e2e.test.ts). Each refusal is a 400 naming what is wrong.

const HANDLE = 'alice.example.test'

/** Passes the gate as the page's form does; the `code` and `state` of the redirect. */
async function passGate(
  g: AbuseGateway,
  handle: string,
  state: string,
  token = PASSING_TOKEN,
): Promise<{ status: number; location: string | null; code: string | null; body: string }> {
  const res = await fetch(`${g.url}/gate/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ handle, state, token }).toString(),
    redirect: 'manual',
  })
  const location = res.headers.get('location')
  return {
    status: res.status,
    location,
    code: location ? new URL(location).searchParams.get('code') : null,
    body: await res.text(),
  }
}

const signup = (g: AbuseGateway, extra: Record<string, unknown>, ip = '198.51.100.7') =>
  g.post(
    'com.atproto.server.createAccount',
    { handle: HANDLE, email: 'alice@mail.test', password: 'correct horse battery', ...extra },
    { ip },
  )

t.test('the gate page, its verification and describeServer', async (t) => {
  const standIn = await startCaptchaStandIn(t)
  const g = await abuseGateway(t, [], { ...standIn.env, ENTRYWAY_SERVICE_NAME: 'Example Social' })

  const d = await g.get('com.atproto.server.describeServer')
  t.equal(
    d.body.phoneVerificationRequired,
    true,
    'describeServer tells the app to run its captcha step',
  )

  const page = await fetch(`${g.url}/gate/signup?handle=${HANDLE}&state=st4te&colorScheme=dark`)
  const html = await page.text()
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  t.match(html, 'Example Social', 'service name on the page')
  t.match(html, `data-sitekey="${STAND_IN_SITE_KEY}"`, 'the widget with the site key')
  t.match(html, `src="${standIn.url}/api.js"`, 'the configured widget script')
  t.match(html, 'data-scheme="dark"', "the app's colour scheme")
  t.match(
    page.headers.get('content-security-policy'),
    /script-src 'nonce-[^']+' http:\/\/127\.0\.0\.1:\d+/,
    'CSP: the nonce and the widget origin',
  )

  const noHandle = await fetch(`${g.url}/gate/signup?state=st4te`)
  t.equal(noHandle.status, 400, 'no handle: 400')
  t.match(await noHandle.text(), 'no valid handle')
  const otherRedirect = await fetch(
    `${g.url}/gate/signup?handle=${HANDLE}&state=s&redirect_url=${encodeURIComponent('https://evil.example/')}`,
  )
  t.equal(otherRedirect.status, 400, 'a redirect outside ENTRYWAY_CAPTCHA_REDIRECTS: 400')

  const failed = await passGate(g, HANDLE, 'st4te', 'a-wrong-token')
  t.equal(failed.status, 400, 'a token the provider refuses: 400, no code')
  t.equal(failed.location, null)
  t.match(failed.body, 'not passed')
  t.equal(
    standIn.verifications.at(-1)?.secret,
    'stand-in-secret',
    'verified server-side with the secret',
  )

  const ok = await passGate(g, HANDLE, 'st4te')
  t.equal(ok.status, 303, 'a passed captcha redirects')
  const loc = new URL(ok.location!)
  t.equal(loc.origin, 'https://bsky.app', "to where the Bluesky app's web view waits")
  t.equal(loc.searchParams.get('state'), 'st4te', 'with the state')
  t.ok(ok.code && ok.code.length >= 20, 'and a code')
  const rows = await g.gw.database.db.selectFrom('signup_gate_code').selectAll().execute()
  t.equal(rows.length, 1, 'one code stored')
  t.not(rows[0]!.codeHash, ok.code, 'as a hash only')
})

t.test('createAccount refuses a missing, reused, foreign or expired code', async (t) => {
  const standIn = await startCaptchaStandIn(t)
  const g = await abuseGateway(t, [], standIn.env)

  const none = await signup(g, {})
  t.equal(none.status, 400, 'without a code: 400')
  t.equal(none.body.error, 'InvalidRequest')
  t.match(none.body.message, /requires a verification code/)

  const bogus = await signup(g, { verificationCode: 'made-up-code' })
  t.equal(bogus.status, 400)
  t.match(bogus.body.message, /unknown or already used/, 'an unknown code: 400')

  const forBob = await passGate(g, 'bob.example.test', 's1')
  const foreign = await signup(g, { verificationCode: forBob.code })
  t.equal(foreign.status, 400, "another handle's code: 400")
  t.match(foreign.body.message, /issued for another handle/)

  const first = await passGate(g, HANDLE, 's2')
  const used = await signup(g, { verificationCode: first.code })
  t.not(
    used.body.message ?? '',
    /verification code/i,
    `the good code passes the gate (then ${used.status} ${used.body.error}: no PDS in this test)`,
  )
  const reused = await signup(g, { verificationCode: first.code })
  t.equal(reused.status, 400, 'the same code again: 400')
  t.match(reused.body.message, /unknown or already used/)

  const late = await passGate(g, HANDLE, 's3')
  await g.gw.database.db
    .updateTable('signup_gate_code')
    .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
    .execute()
  const expired = await signup(g, { verificationCode: late.code })
  t.equal(expired.status, 400, 'an expired code: 400')
  t.match(expired.body.message, /has expired/)
})

t.test('without the gate configured nothing changes', async (t) => {
  const g = await abuseGateway(t)
  t.equal((await g.get('com.atproto.server.describeServer')).body.phoneVerificationRequired, false)
  t.equal(
    (await fetch(`${g.url}/gate/signup?handle=${HANDLE}&state=s`)).status,
    404,
    'no gate page',
  )
  const r = await signup(g, {})
  t.not(
    r.body.message ?? '',
    /verification code/i,
    `createAccount asks for no code (${r.status} ${r.body.error})`,
  )
})
