import { ADMIN_ACTIONS, type AdminAction } from '../actions.js'
import type { FleetHostSummary } from '../fleet-directory.js'
import { html, page, type LayoutUser, type SafeHtml } from '../html.js'
import type { Permissions } from '../rbac-policy.js'
import { rowButton } from './forms.js'
import { pager } from './pager.js'
import { statusPill } from './status-pill.js'

const A = (nsid: string): AdminAction => ADMIN_ACTIONS.get(nsid)!
export const UPDATE_HOST = 'com.entryway.admin.updateHost'
export const REQUEST_CRAWL = 'com.entryway.admin.requestCrawl'

/** Which status buttons a host in `status` offers (retired hosts offer none). */
function nextStatuses(status: string): Array<{ to: string; label: string }> {
  if (status === 'retired') return []
  return [
    { to: 'enabled', label: 'Enable' },
    { to: 'draining', label: 'Drain' },
    { to: 'disabled', label: 'Disable' },
  ].filter((s) => s.to !== status)
}

function capacity(h: FleetHostSummary): SafeHtml {
  if (h.accountCap === null) return html`${h.accounts} <span class="muted">/ no cap</span>`
  const pct = h.accountCap === 0 ? 100 : Math.round((100 * h.accounts) / h.accountCap)
  return html`${h.accounts} / ${h.accountCap} <span class="muted">(${pct}%)</span>`
}

/** The fleet's hosts: status, health, load, and the status changes the viewer's roles allow. */
export function hostsPage(opts: {
  user: LayoutUser
  perms: Permissions
  hosts: FleetHostSummary[]
  next?: number
  paged: boolean
}): string {
  const { user, perms } = opts
  const csrf = user.csrfToken
  const rows = opts.hosts.map((h) => {
    const buttons: SafeHtml[] = []
    if (perms.allows(UPDATE_HOST, h))
      for (const s of nextStatuses(h.status))
        buttons.push(
          rowButton(
            A(UPDATE_HOST),
            csrf,
            { host: String(h.id), status: s.to },
            s.label,
            s.to === 'disabled' ? 'secondary danger-outline' : 'secondary',
          ),
        )
    if (perms.allows(REQUEST_CRAWL, h) && h.status === 'enabled')
      buttons.push(rowButton(A(REQUEST_CRAWL), csrf, { host: String(h.id) }, 'Request crawl'))
    return html`<tr id="host-${h.id}" data-host="${h.url}">
      <td>${h.id}</td>
      <td>
        <span class="mono">${h.url}</span>
        <div class="mono muted">${h.did}</div>
      </td>
      <td>${statusPill(h.status)}</td>
      <td>
        ${statusPill(h.healthy ? 'healthy' : 'unhealthy')}
        ${h.lastError ? html`<div class="muted">${h.lastError.slice(0, 200)}</div>` : ''}
        ${h.lastCheckAt ? html`<div class="muted mono">checked ${h.lastCheckAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</div>` : ''}
      </td>
      <td>${capacity(h)}</td>
      <td>
        <div class="actions">
          ${buttons.length ? buttons : html`<span class="muted">view only</span>`}
        </div>
      </td>
    </tr>`
  })
  const body = html`<h1>Hosts</h1>
    <div class="card">
      <table id="hosts">
        <thead>
          <tr>
            <th>#</th>
            <th>Host</th>
            <th>Status</th>
            <th>Health</th>
            <th>Accounts / cap</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length
              ? rows
              : html`<tr>
                  <td colspan="6" class="muted">No hosts.</td>
                </tr>`
          }
        </tbody>
      </table>
      ${pager({
        base: 'hosts',
        params: {},
        first: opts.paged,
        next: opts.next ? { name: 'after', value: String(opts.next) } : undefined,
      })}
      <p class="muted">
        Draining keeps a host serving its accounts but places no new ones; retiring an empty host
        and moving accounts are done with <span class="mono">entryway-admin</span>.
      </p>
    </div>`
  return page({ title: 'Hosts', user, active: 'hosts', body })
}
