import type { AuditFilter, AuditRow, ChainVerdict } from '../audit.js'
import { html, page, type LayoutUser, type SafeHtml } from '../html.js'
import { pager } from './pager.js'

export function auditQuery(f: AuditFilter): string {
  const q = new URLSearchParams()
  if (f.actorDid) q.set('actor', f.actorDid)
  if (f.target) q.set('target', f.target)
  if (f.nsid) q.set('nsid', f.nsid)
  if (f.allowed !== undefined) q.set('allowed', String(f.allowed))
  if (f.from) q.set('from', f.from)
  if (f.to) q.set('to', f.to)
  return q.toString()
}

export function auditPage(opts: {
  user: LayoutUser
  filter: AuditFilter
  rows: AuditRow[]
  cursor?: number
  /** The page before (newer rows), when this is not the newest. */
  newer?: number
  /** Reached through a cursor: offers the first page. */
  paged?: boolean
  verdict?: ChainVerdict
}): string {
  const f = opts.filter
  const q = auditQuery(f)
  const v = opts.verdict
  const allowedSel = f.allowed === undefined ? '' : String(f.allowed)
  const body = html`<h1>Audit log</h1>
    ${v ? (v.ok ? html`<div class="notice ok" id="chain-verdict">Chain intact: ${v.rows} rows verified.</div>` : html`<div class="notice error" id="chain-verdict" role="alert">Chain BROKEN at row #${v.brokenAtId}: ${v.reason}. ${v.rows} rows before it verified.</div>`) : ''}
    <div class="card">
      <form class="filters" method="get" action="audit">
        <div>
          <label for="actor">Actor DID</label
          ><input id="actor" name="actor" value="${f.actorDid ?? ''}" />
        </div>
        <div>
          <label for="target">Target</label
          ><input id="target" name="target" value="${f.target ?? ''}" placeholder="did:plc:…" />
        </div>
        <div>
          <label for="nsid">NSID (prefix*)</label
          ><input id="nsid" name="nsid" value="${f.nsid ?? ''}" placeholder="com.atproto.admin.*" />
        </div>
        <div>
          <label for="allowed">Decision</label
          ><select id="allowed" name="allowed">
            <option value="" ${allowedSel === '' ? ' selected' : ''}>any</option>
            <option value="true" ${allowedSel === 'true' ? ' selected' : ''}>allowed</option>
            <option value="false" ${allowedSel === 'false' ? ' selected' : ''}>denied</option>
          </select>
        </div>
        <div>
          <label for="from">From (UTC)</label
          ><input
            id="from"
            name="from"
            type="datetime-local"
            value="${f.from?.slice(0, 16) ?? ''}"
          />
        </div>
        <div>
          <label for="to">To (UTC)</label
          ><input id="to" name="to" type="datetime-local" value="${f.to?.slice(0, 16) ?? ''}" />
        </div>
        <div style="flex:0;white-space:nowrap">
          <button type="submit">Filter</button> <a class="btn secondary" href="audit">Clear</a>
        </div>
      </form>
      <p class="muted">
        Export these rows: <a href="audit/export?format=jsonl${q ? `&${q}` : ''}">JSON lines</a> ·
        <a href="audit/export?format=csv${q ? `&${q}` : ''}">CSV</a> ·
        <a href="audit?verify=1${q ? `&${q}` : ''}">Verify the hash chain</a>
      </p>
      ${auditTable(opts.rows)}
      ${pager({
        base: 'audit',
        params: Object.fromEntries(new URLSearchParams(q)),
        first: opts.paged,
        previous: opts.newer ? { name: 'after', value: String(opts.newer) } : undefined,
        next: opts.cursor ? { name: 'before', value: String(opts.cursor) } : undefined,
      })}
    </div>`
  return page({ title: 'Audit log', user: opts.user, active: 'audit', body })
}

/** The rows of the audit log, newest first, as a table. */
export function auditTable(rows: AuditRow[]): SafeHtml {
  return html`<table id="audit">
    <thead>
      <tr>
        <th>#</th>
        <th>Time (UTC)</th>
        <th>Actor</th>
        <th>NSID</th>
        <th>Target</th>
        <th>Host</th>
        <th>Decision</th>
        <th>Result</th>
        <th>Detail</th>
      </tr>
    </thead>
    <tbody>
      ${
        rows.length
          ? rows.map(
              (r) =>
                html`<tr>
                  <td>${r.id}</td>
                  <td class="mono">${r.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
                  <td class="mono">${r.actorDid}</td>
                  <td class="mono">${r.nsid}</td>
                  <td class="mono">${r.target ?? ''}</td>
                  <td>${r.hostId ?? ''}</td>
                  <td>
                    <span class="pill ${r.allowed ? 'good' : 'bad'}"
                      >${r.allowed ? 'allowed' : 'denied'}</span
                    >
                  </td>
                  <td>${r.resultStatus ?? ''}</td>
                  <td>${r.detail ?? ''}</td>
                </tr>`,
            )
          : html`<tr>
              <td colspan="9" class="muted">No rows match.</td>
            </tr>`
      }
    </tbody>
  </table>`
}
