import type { AdminAction } from '../actions.js'
import { html, page, type LayoutUser } from '../html.js'
import type { ActionOutcome } from '../perform-action.js'
import { outcomeStatus } from '../perform-action.js'

export function resultPage(opts: {
  user: LayoutUser
  action: AdminAction
  outcome: ActionOutcome
  /** Where the action was started from (an account's or the hosts page), relative. */
  back?: { href: string; label: string }
}): string {
  const o = opts.outcome
  const status = outcomeStatus(o)
  const ok = o.kind === 'done' && status < 400
  const headline =
    o.kind === 'done'
      ? ok
        ? `${opts.action.label}: done`
        : `${opts.action.label}: refused by ${o.hosts.length ? o.hosts.map((h) => h.url).join(', ') : 'the Entryway'}`
      : o.kind === 'denied'
        ? 'Not allowed'
        : o.kind === 'invalid'
          ? 'Check the form'
          : o.kind === 'unknown-account'
            ? 'Unknown account'
            : 'Upstream unavailable'
  const message =
    o.kind === 'done'
      ? `HTTP ${status}`
      : o.kind === 'unknown-account'
        ? `No account ${o.did} in the fleet.`
        : o.reason
  return page({
    title: headline,
    user: opts.user,
    active: 'dashboard',
    body: html`<div class="card">
      <h1>${headline}</h1>
      <p class="muted mono">${opts.action.nsid}</p>
      <div class="notice ${ok ? 'ok' : 'error'}" role="status">${message}</div>
      ${
        o.kind === 'done'
          ? html`<h2>Answer</h2>
              <pre id="answer">${JSON.stringify(o.answer.body, null, 2)}</pre>`
          : ''
      }
      <p>
        ${opts.back ? html`<a class="btn" id="back" href="${opts.back.href}">${opts.back.label}</a> ` : ''}<a
          class="btn secondary"
          href="./"
          >Back to the dashboard</a
        >
      </p>
    </div>`,
  })
}
