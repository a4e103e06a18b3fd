import { ADMIN_ACTIONS, type AdminAction } from '../actions.js'
import type { AuditRow } from '../audit.js'
import type { FleetAccount, FleetHost } from '../fleet-directory.js'
import { html, page, type LayoutUser, type SafeHtml } from '../html.js'
import type { Permissions } from '../rbac-policy.js'
import { auditTable } from './audit.js'
import { rowButton } from './forms.js'
import { sessionsCard, type SessionsLookup } from './sessions.js'
import { REVOKE_ACCOUNT_SESSION, REVOKE_ACCOUNT_SESSIONS } from '../account-sessions.js'
import { statusPill } from './status-pill.js'

const A = (nsid: string): AdminAction => ADMIN_ACTIONS.get(nsid)!
type Json = Record<string, unknown>

/** What the page learnt from the account's PDS and the Entryway; absent when the roles do not allow the read. */
export interface AccountLookups {
  /** com.atproto.admin.getAccountInfo's answer, or why there is none. */
  info?: { ok: true; view: Json } | { ok: false; reason: string }
  /** com.atproto.admin.getSubjectStatus's answer, or why there is none. */
  subject?: { ok: true; status: Json } | { ok: false; reason: string }
  /** Recent audit rows naming the account; absent without the audit permission. */
  audit?: AuditRow[]
  /** One page of its sessions; absent when the roles do not allow it or the app gave none. */
  sessions?: SessionsLookup
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined

function inviteRows(view: Json): SafeHtml {
  const invites = Array.isArray(view.invites) ? view.invites.map(obj).filter(Boolean) : []
  if (!invites.length) return html`<p class="muted">No invite codes.</p>`
  return html`<table id="invites">
    <thead>
      <tr>
        <th>Code</th>
        <th>Available</th>
        <th>Used</th>
        <th>State</th>
      </tr>
    </thead>
    <tbody>
      ${invites.slice(0, 50).map(
        (c) =>
          html`<tr>
            <td class="mono">${str(c!.code) ?? ''}</td>
            <td>${typeof c!.available === 'number' ? String(c!.available) : ''}</td>
            <td>${Array.isArray(c!.uses) ? c!.uses.length : 0}</td>
            <td>${c!.disabled ? statusPill('disabled') : statusPill('active')}</td>
          </tr>`,
      )}
    </tbody>
  </table>`
}

/** One account: where it lives, its state, what the viewer may do to it, and what was done. */
export function accountDetailPage(opts: {
  user: LayoutUser
  perms: Permissions
  account: FleetAccount
  host?: FleetHost
  lookups: AccountLookups
  /** Sessions per page. @default 50 */
  pageSize?: number
}): string {
  const { user, perms, account: a, host, lookups } = opts
  const csrf = user.csrfToken
  const can = (nsid: string) => perms.allows(nsid, host ?? null)
  const view = lookups.info?.ok ? lookups.info.view : undefined
  const subject = lookups.subject?.ok ? lookups.subject.status : undefined
  const takedown = obj(subject?.takedown)
  const takenDown = a.status === 'takendown' || takedown?.applied === true
  const deactivated = a.status === 'deactivated' || !!str(view?.deactivatedAt)
  const invitesDisabled = view?.invitesDisabled === true

  const actions: SafeHtml[] = []
  const upd = 'com.atproto.admin.updateSubjectStatus'
  if (can(upd)) {
    actions.push(
      takenDown
        ? html`<form class="act" method="post" action="action/${upd}" data-nsid="${upd}">
            <input type="hidden" name="_csrf" value="${csrf}" /><input
              type="hidden"
              name="did"
              value="${a.did}"
            /><input type="hidden" name="takedown" value="reverse" />
            <button type="submit" class="secondary">Restore</button>
          </form>`
        : html`<form class="act" method="post" action="action/${upd}" data-nsid="${upd}">
            <input type="hidden" name="_csrf" value="${csrf}" /><input
              type="hidden"
              name="did"
              value="${a.did}"
            /><input type="hidden" name="takedown" value="apply" />
            <div>
              <label for="takedown-ref">Reference (ticket, reason)</label
              ><input id="takedown-ref" name="ref" />
            </div>
            <button type="submit" class="danger">Take down</button>
          </form>`,
    )
  }
  const row: SafeHtml[] = []
  const invites = invitesDisabled
    ? 'com.atproto.admin.enableAccountInvites'
    : 'com.atproto.admin.disableAccountInvites'
  if (can(invites))
    row.push(
      rowButton(
        A(invites),
        csrf,
        { account: a.did },
        invitesDisabled ? 'Enable invites' : 'Disable invites',
      ),
    )
  if (can('com.atproto.admin.updateAccountPassword'))
    row.push(
      rowButton(
        A('com.atproto.admin.updateAccountPassword'),
        csrf,
        { did: a.did },
        'Set password…',
        'secondary',
        'confirm',
      ),
    )
  if (can('com.atproto.admin.sendEmail'))
    row.push(
      rowButton(
        A('com.atproto.admin.sendEmail'),
        csrf,
        { recipientDid: a.did },
        'Send email…',
        'secondary',
        'confirm',
      ),
    )
  if (can('com.atproto.admin.deleteAccount'))
    row.push(
      rowButton(
        A('com.atproto.admin.deleteAccount'),
        csrf,
        { did: a.did },
        'Delete…',
        'secondary danger-outline',
        'confirm',
      ),
    )
  if (row.length) actions.push(html`<div class="actions">${row}</div>`)

  const lookupNote = (l: { ok: true } | { ok: false; reason: string } | undefined, what: string) =>
    l && !l.ok ? html`<p class="muted">${what}: ${l.reason}</p>` : ''

  const body = html`<p><a href="accounts">← Accounts</a></p>
    <h1 id="account-handle">${a.handle}</h1>
    <div class="grid">
      <div class="card" id="account-facts">
        <h2>Account</h2>
        <dl class="facts">
          <dt>DID</dt>
          <dd class="mono">${a.did}</dd>
          <dt>Host</dt>
          <dd class="mono">
            ${host ? html`<a href="hosts#host-${host.id}">${host.url}</a>` : `#${a.hostId}`}
          </dd>
          <dt>Status</dt>
          <dd id="account-status">
            ${statusPill(a.status)}
            ${takedown?.applied === true && a.status !== 'takendown' ? statusPill('takendown') : ''}
            ${takedown?.applied === true && str(takedown.ref) ? html`<span class="muted">ref ${str(takedown.ref)}</span>` : ''}
            ${deactivated && a.status !== 'deactivated' ? statusPill('deactivated') : ''}
          </dd>
          <dt>Email</dt>
          <dd>
            ${str(view?.email) ?? a.email ?? html`<span class="muted">none</span>`}
            ${view ? (str(view.emailConfirmedAt) ? statusPill('confirmed') : statusPill('unconfirmed')) : ''}
          </dd>
          <dt>Created</dt>
          <dd class="mono">${a.createdAt}</dd>
          ${
            view
              ? html`<dt>Invites</dt>
                  <dd>${invitesDisabled ? statusPill('disabled') : statusPill('enabled')}</dd>
                  ${
                    obj(view.invitedBy)
                      ? html`<dt>Invited with</dt>
                          <dd class="mono">${str(obj(view.invitedBy)!.code) ?? ''}</dd>`
                      : ''
                  }`
              : ''
          }
        </dl>
        ${lookupNote(lookups.info, 'Account info')} ${lookupNote(lookups.subject, 'Status')}
      </div>
      <div class="card" id="account-actions">
        <h2>Actions</h2>
        ${actions.length ? actions : html`<p class="muted">Your roles allow no action on this account.</p>`}
      </div>
    </div>
    ${
      view
        ? html`<div class="card">
            <h2>Invite codes</h2>
            ${inviteRows(view)}
          </div>`
        : ''
    }
    ${
      lookups.sessions
        ? sessionsCard({
            did: a.did,
            csrf,
            lookup: lookups.sessions,
            pageSize: opts.pageSize ?? 50,
            canRevoke: can(REVOKE_ACCOUNT_SESSION),
            canRevokeAll: can(REVOKE_ACCOUNT_SESSIONS),
          })
        : ''
    }
    ${
      lookups.audit
        ? html`<div class="card">
            <h2>Recent audit rows</h2>
            ${auditTable(lookups.audit)}
            <p>
              <a class="btn secondary" href="audit?target=${encodeURIComponent(a.did)}"
                >All audit rows for this account</a
              >
            </p>
          </div>`
        : ''
    }`
  return page({ title: a.handle, user, active: 'accounts', body })
}
