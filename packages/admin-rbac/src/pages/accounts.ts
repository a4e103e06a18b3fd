import type { FleetAccountPage, FleetHost } from '../fleet-directory.js'
import { html, page, type LayoutUser } from '../html.js'
import { pager } from './pager.js'
import { statusPill } from './status-pill.js'

/** Search the fleet's accounts (handle, DID or email prefix), one page at a time. */
export function accountsPage(opts: {
  user: LayoutUser
  hosts: FleetHost[]
  result: FleetAccountPage
  query?: string
  paged: boolean
}): string {
  const hostById = new Map(opts.hosts.map((h) => [h.id, h]))
  const { result, query } = opts
  const body = html`<h1>Accounts</h1>
    <div class="card">
      <form class="filters" method="get" action="accounts" role="search">
        <div>
          <label for="q">Handle, DID or email starts with</label
          ><input id="q" name="q" value="${query ?? ''}" autofocus />
        </div>
        <div style="flex:0"><button type="submit">Search</button></div>
      </form>
      <table id="accounts">
        <thead>
          <tr>
            <th>Account</th>
            <th>Host</th>
            <th>Status</th>
            <th>Email</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          ${
            result.accounts.length
              ? result.accounts.map(
                  (a) =>
                    html`<tr data-did="${a.did}">
                      <td>
                        <a href="account/${encodeURIComponent(a.did)}"
                          ><strong>${a.handle}</strong></a
                        >
                        <div class="mono">${a.did}</div>
                      </td>
                      <td class="mono">${hostById.get(a.hostId)?.url ?? `#${a.hostId}`}</td>
                      <td>${statusPill(a.status)}</td>
                      <td>${a.email ?? ''}</td>
                      <td class="mono">${a.createdAt.slice(0, 10)}</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="5" class="muted">No accounts match.</td>
                </tr>`
          }
        </tbody>
      </table>
      ${pager({
        base: 'accounts',
        params: { q: query },
        first: opts.paged,
        previous: result.previous ? { name: 'before', value: result.previous } : undefined,
        next: result.cursor ? { name: 'cursor', value: result.cursor } : undefined,
      })}
    </div>`
  return page({ title: 'Accounts', user: opts.user, active: 'accounts', body })
}
