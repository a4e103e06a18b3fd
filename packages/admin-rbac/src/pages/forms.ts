import type { AdminAction, FieldSpec } from '../actions.js'
import { html, type SafeHtml } from '../html.js'

export function field(f: FieldSpec, id: string, value?: string): SafeHtml {
  const fid = `${id}-${f.name}`
  const input =
    f.type === 'select'
      ? html`<select id="${fid}" name="${f.name}">
          ${(f.options ?? []).map((o) => html`<option${o === value ? ' selected' : ''}>${o}</option>`)}
        </select>`
      : f.type === 'textarea'
        ? html`<textarea
            id="${fid}"
            name="${f.name}"
            placeholder="${f.placeholder ?? ''}"
            ${f.required ? ' required' : ''}
          >
${value ?? ''}</textarea>`
        : html`<input
            id="${fid}"
            name="${f.name}"
            type="${f.type}"
            placeholder="${f.placeholder ?? ''}"
            value="${value ?? ''}"
            ${f.required ? ' required' : ''}${f.type === 'password' ? ' autocomplete="new-password"' : ''}
          />`
  return html`<label for="${fid}">${f.label}</label>${input}`
}

/**
 * A whole form for one action. `values` pre-fill its fields, which stay visible and editable:
 * nothing a form submits is hidden from the member but the CSRF token.
 */
export function actionForm(
  a: AdminAction,
  csrf: string,
  opts: { values?: Record<string, string>; submit?: string; id?: string } = {},
): SafeHtml {
  const id = opts.id ?? a.nsid.split('.').pop()!
  const values = opts.values ?? {}
  return html`<form method="post" action="action/${a.nsid}" data-nsid="${a.nsid}">
    <input type="hidden" name="_csrf" value="${csrf}" />
    ${a.fields.map((f) => field(f, id, values[f.name]))}
    <p>
      <button type="submit" class="${a.danger ? 'danger' : ''}">${opts.submit ?? a.label}</button>
    </p>
  </form>`
}

/**
 * A one-button form acting on one account (the row's own values, rendered by the portal). With
 * `to: 'confirm'` it opens the action's confirmation page instead of acting.
 */
export function rowButton(
  a: AdminAction,
  csrf: string,
  fields: Record<string, string>,
  label: string,
  cls = 'secondary',
  to: 'action' | 'confirm' = 'action',
): SafeHtml {
  return html`<form class="inline" method="post" action="${to}/${a.nsid}" data-nsid="${a.nsid}">
    <input
      type="hidden"
      name="_csrf"
      value="${csrf}"
    />${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}<button
      type="submit"
      class="${cls}"
    >
      ${label}
    </button>
  </form>`
}
