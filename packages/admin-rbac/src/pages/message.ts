import { html, page, type LayoutUser, type SafeHtml } from '../html.js'

/** A full-page message: access denied, session expired, action refused. */
export function messagePage(opts: {
  title: string
  message: string
  user?: LayoutUser
  links?: SafeHtml
  tone?: 'error' | 'ok'
}): string {
  return page({
    title: opts.title,
    user: opts.user,
    body: html`<div class="center">
      <div class="card">
        <h1>${opts.title}</h1>
        <div class="notice ${opts.tone ?? 'error'}" role="alert">${opts.message}</div>
        ${opts.links ?? html`<p><a class="btn secondary" href="login">Sign in</a></p>`}
      </div>
    </div>`,
  })
}
