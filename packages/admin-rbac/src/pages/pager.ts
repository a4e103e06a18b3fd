import { html, type SafeHtml } from '../html.js'

/**
 * Previous / next links of a cursor-paged list. `base` is the page's relative path; `params` the
 * list's filters, kept on both links. A missing cursor leaves its link out.
 */
export function pager(opts: {
  base: string
  params: Record<string, string | undefined>
  previous?: { name: string; value: string }
  next?: { name: string; value: string }
  first?: boolean
}): SafeHtml {
  const href = (extra?: { name: string; value: string }) => {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(opts.params)) if (v) q.set(k, v)
    if (extra) q.set(extra.name, extra.value)
    const s = q.toString()
    return s ? `${opts.base}?${s}` : opts.base
  }
  if (!opts.previous && !opts.next && !opts.first) return html``
  return html`<nav class="pager" aria-label="pages">
    ${opts.first ? html`<a class="btn secondary" rel="first" href="${href()}">First</a>` : ''}
    ${opts.previous ? html`<a class="btn secondary" rel="prev" href="${href(opts.previous)}">Previous</a>` : ''}
    ${opts.next ? html`<a class="btn secondary" rel="next" href="${href(opts.next)}">Next</a>` : ''}
  </nav>`
}
