import { ADMIN_ACTIONS, type AdminAction } from '../actions.js'
import type { FleetAccount, FleetHost } from '../fleet-directory.js'
import { html, page, type LayoutUser, type SafeHtml } from '../html.js'
import type { Permissions } from '../rbac-policy.js'
import { actionForm, rowButton } from './forms.js'
import { statusPill } from './status-pill.js'

const A = (nsid: string): AdminAction => ADMIN_ACTIONS.get(nsid)!

/** Tools not tied to one row of the table, in display order. */
const TOOLS = [
  'com.atproto.server.createInviteCode',
  'com.atproto.admin.getInviteCodes',
  'com.atproto.admin.disableInviteCodes',
  'com.atproto.server.createAccount',
  'com.atproto.admin.sendEmail',
  'com.atproto.admin.updateAccountPassword',
  'com.atproto.admin.getAccountInfos',
  'com.atproto.admin.getAccountInfo',
  'com.atproto.admin.getSubjectStatus',
  'com.atproto.admin.updateSubjectStatus',
  'com.atproto.admin.deleteAccount',
  'com.atproto.admin.enableAccountInvites',
  'com.atproto.admin.disableAccountInvites',
]

export function dashboardPage(opts: {
  user: LayoutUser
  perms: Permissions
  hosts: FleetHost[]
  accounts: FleetAccount[]
  cursor?: string
  query?: string
}): string {
  const { user, perms } = opts
  const csrf = user.csrfToken
  const hostById = new Map(opts.hosts.map((h) => [h.id, h]))
  const can = (nsid: string, h: FleetHost | undefined) => perms.allows(nsid, h ?? null)
  const rows = opts.accounts.map((a) => {
    const h = hostById.get(a.hostId)
    const did = { did: a.did }
    const buttons: SafeHtml[] = []
    if (can('com.atproto.admin.getAccountInfo', h))
      buttons.push(rowButton(A('com.atproto.admin.getAccountInfo'), csrf, did, 'Info'))
    if (can('com.atproto.admin.getSubjectStatus', h))
      buttons.push(rowButton(A('com.atproto.admin.getSubjectStatus'), csrf, did, 'Status'))
    if (can('com.atproto.admin.updateSubjectStatus', h)) {
      buttons.push(
        rowButton(
          A('com.atproto.admin.updateSubjectStatus'),
          csrf,
          { ...did, takedown: 'apply' },
          'Take down',
        ),
      )
      buttons.push(
        rowButton(
          A('com.atproto.admin.updateSubjectStatus'),
          csrf,
          { ...did, takedown: 'reverse' },
          'Restore',
        ),
      )
    }
    if (can('com.atproto.admin.disableAccountInvites', h))
      buttons.push(
        rowButton(
          A('com.atproto.admin.disableAccountInvites'),
          csrf,
          { account: a.did },
          'Disable invites',
        ),
      )
    if (can('com.atproto.admin.enableAccountInvites', h))
      buttons.push(
        rowButton(
          A('com.atproto.admin.enableAccountInvites'),
          csrf,
          { account: a.did },
          'Enable invites',
        ),
      )
    if (can('com.atproto.admin.deleteAccount', h)) {
      buttons.push(
        rowButton(
          A('com.atproto.admin.deleteAccount'),
          csrf,
          did,
          'Delete…',
          'secondary danger-outline',
          'confirm',
        ),
      )
    }
    return html`<tr data-did="${a.did}">
      <td>
        <strong><a href="account/${encodeURIComponent(a.did)}">${a.handle}</a></strong>
        <div class="mono">${a.did}</div>
      </td>
      <td class="mono">${h?.url ?? `#${a.hostId}`}</td>
      <td>${statusPill(a.status)}</td>
      <td>${a.email ?? ''}</td>
      <td>
        <div class="actions">
          ${buttons.length ? buttons : html`<span class="muted">view only</span>`}
        </div>
      </td>
    </tr>`
  })
  const tools = TOOLS.map(A).filter((a) => perms.mayEver(a.nsid))
  const body = html`<h1>Fleet</h1>
    <div class="card">
      <h2>Hosts</h2>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>URL</th>
            <th>DID</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          ${opts.hosts.map(
            (h) =>
              html`<tr>
                <td>${h.id}</td>
                <td class="mono">${h.url}</td>
                <td class="mono">${h.did}</td>
                <td>${statusPill(h.status === 'enabled' ? 'active' : h.status)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <div class="card">
      <h2>Accounts</h2>
      <form class="filters" method="get" action="./">
        <div>
          <label for="q">Handle or DID starts with</label
          ><input id="q" name="q" value="${opts.query ?? ''}" />
        </div>
        <div style="flex:0"><button type="submit" class="secondary">Search</button></div>
      </form>
      <table id="accounts">
        <thead>
          <tr>
            <th>Account</th>
            <th>Host</th>
            <th>Status</th>
            <th>Email</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length
              ? rows
              : html`<tr>
                  <td colspan="5" class="muted">No accounts.</td>
                </tr>`
          }
        </tbody>
      </table>
      ${opts.cursor ? html`<p><a class="btn secondary" href="./?cursor=${encodeURIComponent(opts.cursor)}${opts.query ? `&q=${encodeURIComponent(opts.query)}` : ''}">Next page</a></p>` : ''}
    </div>
    <h1>Tools</h1>
    ${
      tools.length
        ? html`<div class="grid">
            ${tools.map(
              (a) =>
                html`<div class="card" id="tool-${a.nsid}">
                  <h2>${a.label}</h2>
                  <p class="muted mono">${a.nsid}</p>
                  ${actionForm(a, csrf)}
                </div>`,
            )}
          </div>`
        : html`<p class="muted">Your roles allow no tools.</p>`
    }`
  return page({ title: 'Dashboard', user, active: 'dashboard', body })
}

/** Reached only by the portal's own POSTed, CSRF-checked forms; every value is shown and editable. */
export function confirmPage(opts: {
  user: LayoutUser
  action: AdminAction
  values: Record<string, string>
}): string {
  return page({
    title: `Confirm: ${opts.action.label}`,
    user: opts.user,
    active: 'dashboard',
    body: html`<div class="center">
      <div class="card">
        <h1>${opts.action.label}?</h1>
        <p>This cannot be undone. Check every field below.</p>
        ${actionForm(opts.action, opts.user.csrfToken, { values: opts.values, submit: `Yes, ${opts.action.label.toLowerCase()}` })}
        <p><a class="btn secondary" href="./">Cancel</a></p>
      </div>
    </div>`,
  })
}
