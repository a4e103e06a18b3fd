import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

// A stand-in for hCaptcha/Turnstile: `/siteverify` answers as theirs does (`{success}`; the
// secret and the token must both be right), `/api.js` is a widget that renders a button whose
// click hands the page's callback the passing token, and `/signup-done` is where a passed gate
// lands (the Bluesky app's web view would see bsky.app here).

export const STAND_IN_SECRET = 'stand-in-secret'
export const STAND_IN_SITE_KEY = 'stand-in-site-key'
export const PASSING_TOKEN = 'stand-in-passing-token'

const WIDGET = `(function () {
  for (const el of document.querySelectorAll('.h-captcha, .cf-turnstile')) {
    const b = document.createElement('button')
    b.type = 'button'
    b.id = 'stand-in-captcha'
    b.textContent = 'I am human (stand-in widget)'
    b.style.cssText = 'padding:12px 20px;border-radius:8px;border:1px solid #888;font-size:15px;cursor:pointer'
    b.onclick = function () { window[el.dataset.callback](${JSON.stringify(PASSING_TOKEN)}) }
    el.appendChild(b)
  }
})()`

export interface CaptchaStandIn {
  url: string
  /** Every siteverify call's form, in order. */
  verifications: Array<Record<string, string>>
  /** Env that points the gateway at this stand-in. */
  env: Record<string, string>
}

export async function startCaptchaStandIn(t: Pick<Test, 'teardown'>): Promise<CaptchaStandIn> {
  const verifications: Array<Record<string, string>> = []
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (req.method === 'POST' && path === '/siteverify') {
      const form = Object.fromEntries(new URLSearchParams(await text(req)))
      verifications.push(form)
      const success = form.secret === STAND_IN_SECRET && form.response === PASSING_TOKEN
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify(
            success ? { success } : { success, 'error-codes': ['invalid-input-response'] },
          ),
        )
    } else if (path === '/api.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(WIDGET)
    } else if (path === '/signup-done') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>done</title><p>signed up</p>')
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    verifications,
    env: {
      ENTRYWAY_CAPTCHA_PROVIDER: 'hcaptcha',
      ENTRYWAY_CAPTCHA_SITE_KEY: STAND_IN_SITE_KEY,
      ENTRYWAY_CAPTCHA_SECRET: STAND_IN_SECRET,
      ENTRYWAY_CAPTCHA_VERIFY_URL: `${url}/siteverify`,
      ENTRYWAY_CAPTCHA_SCRIPT_URL: `${url}/api.js`,
      ENTRYWAY_CAPTCHA_REDIRECTS: `https://bsky.app/,${url}/signup-done`,
    },
  }
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (s += c))
    req.on('end', () => resolve(s))
    req.on('error', reject)
  })
}
