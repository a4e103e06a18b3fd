/** Markup that is already safe. Only `html` and `raw` make one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESC[c]!)
}

/** Trusted markup (constants only). */
export const raw = (s: string): SafeHtml => new SafeHtml(s)

/** What a template may interpolate: markup, scalars (escaped), and lists of them. */
export type HtmlValue =
  SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[]

function render(v: HtmlValue): string {
  if (v instanceof SafeHtml) return v.value
  if (Array.isArray(v)) return v.map(render).join('')
  if (v === null || v === undefined || v === false) return ''
  return escapeHtml(String(v))
}

/** Template tag: every interpolated value is escaped unless it is `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!
  })
  return new SafeHtml(out)
}

const CSS = `
:root{--fg:#1d2433;--muted:#5b6478;--line:#dde2ea;--bg:#f6f7f9;--card:#fff;--accent:#1f6feb;--danger:#c62828;--ok:#1b7f3b}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:center;gap:24px;padding:12px 24px;background:#111827;color:#fff}
header .brand{font-weight:600;font-size:17px}header nav a{color:#cbd5e1;text-decoration:none;margin-right:16px}header nav a.on,header nav a:hover{color:#fff}
header .who{margin-left:auto;font-size:13px;color:#cbd5e1;display:flex;gap:12px;align-items:center}
main{max-width:1200px;margin:24px auto;padding:0 24px}h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:0 0 12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin-bottom:20px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:20px}
table{width:100%;border-collapse:collapse;font-size:14px}th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.mono,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;word-break:break-all}
label{display:block;font-size:13px;color:var(--muted);margin:8px 0 2px}
input,select,textarea{width:100%;padding:7px 9px;border:1px solid #c5ccd8;border-radius:6px;font:inherit;background:#fff}
textarea{min-height:60px}
button,.btn{display:inline-block;padding:6px 12px;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:6px;font:inherit;font-size:13px;cursor:pointer;text-decoration:none}
button.secondary,.btn.secondary{background:#fff;color:var(--accent)}button.danger{background:var(--danger);border-color:var(--danger)}button.danger-outline{color:var(--danger);border-color:var(--danger)}
form.inline{display:inline}td .actions{display:flex;flex-wrap:wrap;gap:6px}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;background:#e8eef9;color:#1f3b75}
.pill.bad{background:#fde8e8;color:var(--danger)}.pill.good{background:#e6f4ea;color:var(--ok)}
.notice{padding:12px 16px;border-radius:8px;margin-bottom:16px;border:1px solid}
.notice.error{background:#fdecec;border-color:#f5c2c2;color:#8a1c1c}.notice.ok{background:#e9f6ee;border-color:#b9e0c6;color:#14532d}
.center{max-width:440px;margin:10vh auto}pre{background:#0f172a;color:#e2e8f0;padding:12px;border-radius:6px;overflow:auto;font-size:12.5px}
.filters{display:flex;gap:12px;flex-wrap:wrap;align-items:flex-end}.filters>div{min-width:160px;flex:1}
.muted{color:var(--muted);font-size:13px}
.pager{display:flex;gap:8px;margin-top:12px}dl.facts{display:grid;grid-template-columns:160px 1fr;gap:6px 16px;margin:0}dl.facts dt{color:var(--muted);font-size:13px}dl.facts dd{margin:0}
form.act{display:flex;gap:8px;align-items:flex-end;flex-wrap:wrap;margin:0 0 10px}form.act input{width:auto;min-width:220px}
`

export interface LayoutUser {
  did: string
  roles: string[]
  csrfToken: string
}

export function page(opts: {
  title: string
  user?: LayoutUser
  active?: 'dashboard' | 'accounts' | 'hosts' | 'audit'
  body: SafeHtml
}): string {
  const u = opts.user
  const header = u
    ? html`<header>
        <span class="brand">Entryway admin</span>
        <nav>
          <a href="./" class="${opts.active === 'dashboard' ? 'on' : ''}">Dashboard</a
          ><a href="accounts" class="${opts.active === 'accounts' ? 'on' : ''}">Accounts</a
          ><a href="hosts" class="${opts.active === 'hosts' ? 'on' : ''}">Hosts</a
          ><a href="audit" class="${opts.active === 'audit' ? 'on' : ''}">Audit log</a>
        </nav>
        <span class="who"
          ><span><span class="mono">${u.did}</span> · ${u.roles.join(', ')}</span>
          <form class="inline" method="post" action="logout">
            <input type="hidden" name="_csrf" value="${u.csrfToken}" /><button
              class="secondary"
              type="submit"
            >
              Sign out
            </button>
          </form></span
        >
      </header>`
    : html`<header><span class="brand">Entryway admin</span></header>`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)} · Entryway admin</title><style>${CSS}</style></head><body>${header}<main>${opts.body}</main></body></html>`
}
