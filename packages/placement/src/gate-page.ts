import { CAPTCHA_PROVIDERS, type CaptchaProvider } from './captcha-provider.js'

export interface GatePageInput {
  serviceName: string
  provider: CaptchaProvider
  siteKey: string
  scriptUrl: string
  nonce: string
  /** Filled when the request is good; the form posts them back. */
  form?: { handle: string; state: string; redirect: string }
  /** Shown instead of (or above) the challenge. */
  error?: string
  /** The app's `colorScheme` (light, dark, dim); otherwise the browser's preference. */
  colorScheme?: string
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The challenge page: the widget, and a form the widget's callback submits. */
export function gatePage(p: GatePageInput): string {
  const scheme =
    p.colorScheme === 'light'
      ? 'light'
      : p.colorScheme === 'dark' || p.colorScheme === 'dim'
        ? 'dark'
        : 'light dark'
  const widget = CAPTCHA_PROVIDERS[p.provider].widgetClass
  const form = p.form
    ? `<form id="gate" method="post" action="/gate/signup">
  <input type="hidden" name="handle" value="${esc(p.form.handle)}">
  <input type="hidden" name="state" value="${esc(p.form.state)}">
  <input type="hidden" name="redirect_url" value="${esc(p.form.redirect)}">
  <input type="hidden" name="token" id="token" value="">
  <div class="${widget}" data-sitekey="${esc(p.siteKey)}" data-callback="gateSolved" data-theme="${scheme === 'dark' ? 'dark' : 'auto'}"></div>
</form>
<script nonce="${p.nonce}">
  function gateSolved(token) { document.getElementById('token').value = token; document.getElementById('gate').submit() }
</script>
<script src="${esc(p.scriptUrl)}" async defer></script>`
    : ''
  return `<!doctype html>
<html lang="en"${scheme === 'light dark' ? '' : ` data-scheme="${scheme}"`}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="${scheme}">
<title>${esc(p.serviceName)}: verify you are human</title>
<style>
  :root { color-scheme: ${scheme}; --bg: #fff; --fg: #0b0f14; --muted: #5b6b7c; --err: #c62828; }
  @media (prefers-color-scheme: dark) { :root:not([data-scheme="light"]) { --bg: #0b0f14; --fg: #e8edf2; --muted: #93a2b1; --err: #ff8a80; } }
  :root[data-scheme="dark"] { --bg: #0b0f14; --fg: #e8edf2; --muted: #93a2b1; --err: #ff8a80; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, sans-serif; }
  main { max-width: 360px; padding: 24px; text-align: center; }
  h1 { font-size: 1.25rem; margin: 0 0 4px; }
  p { color: var(--muted); margin: 0 0 20px; }
  .error { color: var(--err); }
  form { display: flex; justify-content: center; }
</style>
</head>
<body>
<main>
  <h1>${esc(p.serviceName)}</h1>
  <p>Verify you are human to create your account${p.form ? ` <strong>${esc(p.form.handle)}</strong>` : ''}.</p>
  ${p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : ''}
  ${form}
</main>
</body>
</html>`
}

/** The page's CSP: its own nonce'd script, the widget's script origin and the provider's origins. */
export function gatePageCsp(p: {
  provider: CaptchaProvider
  scriptUrl: string
  nonce: string
  redirects: readonly string[]
}): string {
  const origins = [new URL(p.scriptUrl).origin, ...CAPTCHA_PROVIDERS[p.provider].origins].join(' ')
  return [
    "default-src 'none'",
    `script-src 'nonce-${p.nonce}' ${origins}`,
    // widgets set inline styles; a nonce here would turn 'unsafe-inline' off
    `style-src 'unsafe-inline' ${origins}`,
    `frame-src ${origins}`,
    `connect-src ${origins}`,
    `img-src data: ${origins}`,
    // browsers hold the form's redirect to form-action too
    `form-action 'self' ${p.redirects.map((r) => new URL(r).origin).join(' ')}`,
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; ')
}
