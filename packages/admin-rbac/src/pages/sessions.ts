import {
  REVOKE_ACCOUNT_SESSION,
  REVOKE_ACCOUNT_SESSIONS,
  type AccountSession,
} from '../account-sessions.js'
import { ADMIN_ACTIONS } from '../actions.js'
import { html, type SafeHtml } from '../html.js'
import { pager } from './pager.js'
import { rowButton } from './forms.js'

/**
 * Who sees an account's sessions: a role that may read the account's info on its host. Revoking
 * needs the revoke actions themselves.
 */
export const VIEW_SESSIONS_WITH = 'com.atproto.admin.getAccountInfo'

/** What the account page shows of the sessions: one page of them, or why there is none. */
export type SessionsLookup =
  | { ok: true; sessions: AccountSession[]; offset: number; more: boolean }
  | { ok: false; reason: string }

const KIND_LABELS: Record<AccountSession['kind'], string> = {
  password: 'Password',
  'app-password': 'App password',
  oauth: 'OAuth client',
  'oauth-device': 'OAuth sign-in (browser)',
}

const when = (iso: string | null): SafeHtml | string =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : html`<span class="muted">—</span>`

/** The sessions card: a table with a revoke button per row, and "sign out everywhere". */
export function sessionsCard(opts: {
  did: string
  csrf: string
  lookup: SessionsLookup
  pageSize: number
  canRevoke: boolean
  canRevokeAll: boolean
}): SafeHtml {
  const { did, csrf, lookup } = opts
  if (!lookup.ok)
    return html`<div class="card" id="sessions">
      <h2>Sessions</h2>
      <p class="muted">Sessions: ${lookup.reason}</p>
    </div>`
  const rows = lookup.sessions.map(
    (s) =>
      html`<tr data-session-kind="${s.kind}">
        <td>${KIND_LABELS[s.kind]}</td>
        <td class="mono">${s.name ?? html`<span class="muted">—</span>`}</td>
        <td class="mono">${when(s.createdAt)}</td>
        <td class="mono">${when(s.expiresAt)}</td>
        <td class="mono">${when(s.lastUsedAt)}</td>
        ${
          opts.canRevoke
            ? html`<td>
                ${rowButton(
                  ADMIN_ACTIONS.get(REVOKE_ACCOUNT_SESSION)!,
                  csrf,
                  { did, session: s.id },
                  'Revoke',
                  'secondary danger-outline',
                )}
              </td>`
            : ''
        }
      </tr>`,
  )
  const table = lookup.sessions.length
    ? html`<table id="sessions-table">
        <thead>
          <tr>
            <th>Kind</th>
            <th>App password / client</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            ${opts.canRevoke ? html`<th></th>` : ''}
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`
    : html`<p class="muted">No active sessions.</p>`
  const base = `account/${encodeURIComponent(did)}`
  const nav = pager({
    base,
    params: {},
    previous:
      lookup.offset > 0
        ? { name: 'sessions', value: String(Math.max(0, lookup.offset - opts.pageSize)) }
        : undefined,
    next: lookup.more
      ? { name: 'sessions', value: String(lookup.offset + lookup.sessions.length) }
      : undefined,
  })
  return html`<div class="card" id="sessions">
    <h2>Sessions</h2>
    ${table} ${nav}
    ${
      opts.canRevokeAll && (lookup.sessions.length || lookup.offset > 0)
        ? html`<div class="actions">
            ${rowButton(
              ADMIN_ACTIONS.get(REVOKE_ACCOUNT_SESSIONS)!,
              csrf,
              { did },
              'Sign out everywhere…',
              'secondary danger-outline',
              'confirm',
            )}
          </div>`
        : ''
    }
  </div>`
}
