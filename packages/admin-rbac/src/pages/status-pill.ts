import { html, type SafeHtml } from '../html.js'

/** An account's or host's status, green when it serves, red when it is taken down or gone. */
export function statusPill(s: string): SafeHtml {
  const cls =
    s === 'active' || s === 'enabled' || s === 'healthy'
      ? 'good'
      : s === 'takendown' || s === 'deleted' || s === 'disabled' || s === 'unhealthy'
        ? 'bad'
        : ''
  return html`<span class="pill ${cls}" data-status="${s}">${s}</span>`
}
