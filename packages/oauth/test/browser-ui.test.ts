import t from 'tap'
import { fileURLToPath } from 'node:url'
import { createServer } from 'node:http'
import { startAs, PDS_DID } from './helpers.js'
import { RawClient } from './raw-client.js'
import { launchChromium } from './browser.js'

/** `E2E_SCREENSHOTS=1` refreshes the committed screenshots; otherwise they go to the ignored `.screenshots/`. */
const SHOTS = fileURLToPath(
  new URL(
    process.env.E2E_SCREENSHOTS === '1' ? './screenshots/' : './.screenshots/',
    import.meta.url,
  ),
)
const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.test',
  email: 'alice@mail.test',
  emailConfirmed: true,
  pdsDid: PDS_DID,
  deactivated: false,
  password: 'alice-pass',
  emailAuthFactor: false,
}
const UI_TIMEOUT_MS = 15_000

t.test(
  'real Chromium: sign-in and consent pages show the service name and lead to a code',
  async (t) => {
    const as = await startAs(t)
    as.accounts.add(ALICE)
    // The client's loopback callback.
    let callback: URL | null = null
    const cbServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      if (url.pathname === '/cb') callback = url // not the browser's /favicon.ico
      res.end('ok')
    })
    await new Promise<void>((resolve) => cbServer.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise<void>((resolve) => cbServer.close(() => resolve())))
    const cbPort = (cbServer.address() as { port: number }).port
    const client = await RawClient.create(
      as.url,
      'atproto transition:generic',
      `http://127.0.0.1:${cbPort}/cb`,
    )
    const { requestUri, verifier, state } = await client.par()

    const browser = await launchChromium()
    t.teardown(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 900, height: 760 } })
    page.setDefaultTimeout(UI_TIMEOUT_MS)

    await page.goto(client.authorizeUrl(requestUri))
    await page.getByText('Lab Entryway').first().waitFor()
    await page.locator('input[name="username"]').fill(ALICE.handle)
    await page.locator('input[name="password"]').fill(ALICE.password)
    await page.getByText('Remember this account on this device').click()
    await page.screenshot({ path: `${SHOTS}sign-in.png` })
    await page.getByRole('button', { name: /^sign in$/i }).click()

    const accept = page.getByRole('button', { name: /^(accept|authorize|allow)$/i })
    await accept.waitFor()
    t.ok(await page.getByText('Lab Entryway').first().isVisible(), 'consent page names the service')
    await page.screenshot({ path: `${SHOTS}consent.png` })
    await accept.click()
    await page.waitForURL((u) => u.host === `127.0.0.1:${cbPort}`)

    t.ok(callback, 'redirected to the client')
    const cb = callback as unknown as URL
    t.equal(
      cb.searchParams.get('state') ?? new URLSearchParams(cb.hash.slice(1)).get('state'),
      state,
    )
    const code = cb.searchParams.get('code') ?? new URLSearchParams(cb.hash.slice(1)).get('code')
    t.ok(code)
    const tok = await client.exchange(code!, verifier)
    t.equal(tok.status, 200)
    t.equal(tok.json.sub, ALICE.did)

    // The account page lists the connected app.
    await page.goto(`${as.url}/account`)
    await page
      .getByText(/alice\.test/)
      .first()
      .waitFor()
    await page.screenshot({ path: `${SHOTS}account.png` })
  },
)
