import { html, page } from '../html.js'

export function loginPage(opts: {
  csrf: string
  error?: string
  identifier?: string
  notice?: string
}): string {
  return page({
    title: 'Sign in',
    body: html`<div class="center">
      <div class="card">
        <h1>Sign in</h1>
        <p class="muted">
          Team members sign in with their own atproto account. You will be sent to your account's
          sign-in page and back.
        </p>
        ${opts.notice ? html`<div class="notice ok">${opts.notice}</div>` : ''}
        ${opts.error ? html`<div class="notice error" role="alert">${opts.error}</div>` : ''}
        <form method="post" action="login">
          <input type="hidden" name="_csrf" value="${opts.csrf}" />
          <label for="identifier">Handle or DID</label>
          <input
            id="identifier"
            name="identifier"
            autocomplete="username"
            required
            placeholder="alice.example.com"
            value="${opts.identifier ?? ''}"
            autofocus
          />
          <p><button type="submit">Continue</button></p>
        </form>
      </div>
    </div>`,
  })
}
