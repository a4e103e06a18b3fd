import t from 'tap'
import { startFleet } from '@entryway/testkit'
import { listenOnFleet } from './in-process-gateway.js'
import { launchChromium, UI_TIMEOUT_MS } from './oauth-e2e-helpers.js'
import { startCaptchaStandIn } from './captcha-stand-in.js'

// The Bluesky app's captcha flow end to end (hold /tmp/entryway-e2e.lock): Chromium opens the gate
// page the gateway serves (the stand-in widget), completes it, follows the redirect and reads
// `code` and `state`; createAccount with that code makes the account on a real PDS.

const SHOTS = new URL('./screenshots/', import.meta.url).pathname

t.test('gate → code → createAccount on a real PDS', async (t) => {
  const standIn = await startCaptchaStandIn(t)
  const fleet = await startFleet({
    pdsCount: 1,
    gateway: false,
    mail: false,
    gatewayEnv: { ...standIn.env, ENTRYWAY_SERVICE_NAME: 'Example Social' },
  })
  t.teardown(() => fleet.stop())
  await listenOnFleet(t, fleet)
  const E = fleet.entryway.url
  const browser = await launchChromium(t)

  const handle = 'carol.test'
  const state = 'Zq8r1Xw3Ab9cD0e'
  const back = encodeURIComponent(`${standIn.url}/signup-done`)

  // the dark scheme, as the app asks with colorScheme=dark: looked at, then the light one is used
  const dark = await browser.newPage({ viewport: { width: 420, height: 520 } })
  await dark.goto(
    `${E}/gate/signup?handle=${handle}&state=${state}&colorScheme=dark&redirect_url=${back}`,
  )
  await dark.locator('#stand-in-captcha').waitFor({ timeout: UI_TIMEOUT_MS })
  await dark.screenshot({ path: `${SHOTS}gate-signup-dark.png` })
  await dark.close()

  const page = await browser.newPage({
    viewport: { width: 420, height: 520 },
    colorScheme: 'light',
  })
  await page.goto(`${E}/gate/signup?handle=${handle}&state=${state}&redirect_url=${back}`)
  await page.locator('#stand-in-captcha').waitFor({ timeout: UI_TIMEOUT_MS })
  t.match(await page.locator('h1').textContent(), 'Example Social', 'the service name')
  await page.screenshot({ path: `${SHOTS}gate-signup-light.png` })
  await page.click('#stand-in-captcha')
  await page.waitForURL(/\/signup-done\?/, { timeout: UI_TIMEOUT_MS })
  const landed = new URL(page.url())
  t.equal(landed.searchParams.get('state'), state, 'the redirect carries the state')
  const code = landed.searchParams.get('code')
  t.ok(code, 'and a code')
  t.equal(standIn.verifications.length, 1, 'the token was verified server-side once')

  const post = (body: unknown) =>
    fetch(`${E}/xrpc/com.atproto.server.createAccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }))
  const made = await post({
    handle,
    email: 'carol@mail.test',
    password: 'carol-password-1',
    verificationCode: code,
  })
  t.equal(
    made.status,
    200,
    `createAccount with the code: ${JSON.stringify(made.body).slice(0, 200)}`,
  )
  t.match(made.body.did, /^did:plc:/)
  t.equal(made.body.handle, handle)
  const again = await post({
    handle: 'carol2.test',
    email: 'carol2@mail.test',
    password: 'carol-password-1',
    verificationCode: code,
  })
  t.equal(again.status, 400, 'the code is spent')
})
