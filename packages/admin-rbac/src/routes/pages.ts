import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { auditCsvHeader, auditCsvLine, auditJsonLine, type AuditFilter } from '../audit.js'
import { layoutUser, requirePage, type PortalDeps } from '../deps.js'
import { html } from '../html.js'
import { auditPage } from '../pages/audit.js'
import { dashboardPage } from '../pages/dashboard.js'
import { messagePage } from '../pages/message.js'

/** The permission that shows the audit log (not an XRPC method; name it in a role's endpoints). */
export const READ_AUDIT = 'entryway.admin.readAudit'

const DID_ISH = /^did:[a-z]+:[a-zA-Z0-9._:%-]+$/
const NSID_ISH = /^[a-zA-Z0-9.-]+\*?$/

function isoOrUndefined(s: string | undefined): string | undefined {
  if (!s) return undefined
  const t = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`)
  return Number.isNaN(t) ? undefined : new Date(t).toISOString()
}

export function parseAuditFilter(q: Record<string, string | undefined>): AuditFilter {
  const f: AuditFilter = {}
  if (q.actor && (DID_ISH.test(q.actor) || q.actor === 'anonymous')) f.actorDid = q.actor
  if (q.nsid && NSID_ISH.test(q.nsid)) f.nsid = q.nsid
  if (q.allowed === 'true' || q.allowed === 'false') f.allowed = q.allowed === 'true'
  const from = isoOrUndefined(q.from)
  const to = isoOrUndefined(q.to)
  if (from) f.from = from
  // A minute-precision "to" from the form covers that whole minute.
  if (to) f.to = q.to && q.to.length <= 16 ? new Date(Date.parse(to) + 59_999).toISOString() : to
  return f
}

export function registerPageRoutes(app: FastifyInstance, d: PortalDeps): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/', async (req, reply) => {
    const s = await requirePage(d, req, reply)
    if (!s) return reply
    const query = req.query.q?.trim().slice(0, 256) || undefined
    const [hosts, page] = await Promise.all([
      d.o.fleet.hosts(),
      d.o.fleet.listAccounts({ limit: d.o.pageSize, cursor: req.query.cursor || undefined, query }),
    ])
    return reply.type('text/html; charset=utf-8').send(
      dashboardPage({
        user: layoutUser(s),
        perms: s.perms,
        hosts,
        accounts: page.accounts,
        cursor: page.cursor,
        query,
      }),
    )
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/audit', async (req, reply) => {
    const s = await requirePage(d, req, reply)
    if (!s) return reply
    if (!s.perms.mayEver(READ_AUDIT)) {
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(
          messagePage({
            title: 'Not allowed',
            message: `Reading the audit log needs a role with ${READ_AUDIT}.`,
            user: layoutUser(s),
            links: html`<p><a class="btn secondary" href="./">Back</a></p>`,
          }),
        )
    }
    const filter = parseAuditFilter(req.query)
    const before = Number(req.query.before)
    const page = await d.audit.list(filter, {
      limit: d.o.pageSize,
      beforeId: Number.isInteger(before) && before > 0 ? before : undefined,
    })
    // The chain is verified over every row, whatever the filter, against the newest checkpoint.
    const verdict = req.query.verify ? await d.audit.verify() : undefined
    return reply
      .type('text/html; charset=utf-8')
      .send(
        auditPage({ user: layoutUser(s), filter, rows: page.rows, cursor: page.cursor, verdict }),
      )
  })

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/audit/export',
    async (req, reply) => {
      const s = await requirePage(d, req, reply)
      if (!s) return reply
      if (!s.perms.mayEver(READ_AUDIT))
        return reply.code(403).type('text/plain').send(`needs ${READ_AUDIT}`)
      const filter = parseAuditFilter(req.query)
      const csv = req.query.format === 'csv'
      const stamp = d.o.now().toISOString().replace(/[:.]/g, '-')
      await d.audit.append({
        at: d.o.now().toISOString(),
        actorDid: s.session.did,
        nsid: 'portal.auditExport',
        target: null,
        hostId: null,
        allowed: true,
        resultStatus: 200,
        detail: JSON.stringify(filter),
      })
      reply
        .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="admin-audit-${stamp}.${csv ? 'csv' : 'jsonl'}"`,
        )
      const rows = d.audit.scan(filter, 500)
      async function* lines() {
        if (csv) yield auditCsvHeader()
        for await (const r of rows) yield csv ? auditCsvLine(r) : auditJsonLine(r)
      }
      return reply.send(Readable.from(lines()))
    },
  )
}
