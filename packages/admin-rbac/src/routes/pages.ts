import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { auditCsvHeader, auditCsvLine, auditJsonLine, type AuditFilter } from '../audit.js'
import { layoutUser, requirePage, type PortalDeps, type Signed } from '../deps.js'
import { html } from '../html.js'
import { ADMIN_ACTIONS } from '../actions.js'
import { accountDetailPage, type AccountLookups } from '../pages/account.js'
import { accountsPage } from '../pages/accounts.js'
import { auditPage } from '../pages/audit.js'
import { dashboardPage } from '../pages/dashboard.js'
import { hostsPage } from '../pages/hosts.js'
import { messagePage } from '../pages/message.js'
import { VIEW_SESSIONS_WITH, type SessionsLookup } from '../pages/sessions.js'
import { performAction, type ActionOutcome } from '../perform-action.js'

/** The permission that shows the audit log (not an XRPC method; name it in a role's endpoints). */
export const READ_AUDIT = 'entryway.admin.readAudit'
/** Audit rows shown on an account's page (the rest are one link away). */
export const ACCOUNT_AUDIT_ROWS = 10

/** Sessions are paged by position; beyond this an account's list is not browsed. */
const MAX_OFFSET = 100_000
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
  const target = q.target?.trim()
  if (target && target.length <= 2048) f.target = target
  if (q.nsid && NSID_ISH.test(q.nsid)) f.nsid = q.nsid
  if (q.allowed === 'true' || q.allowed === 'false') f.allowed = q.allowed === 'true'
  const from = isoOrUndefined(q.from)
  const to = isoOrUndefined(q.to)
  if (from) f.from = from
  // A minute-precision "to" from the form covers that whole minute.
  if (to) f.to = q.to && q.to.length <= 16 ? new Date(Date.parse(to) + 59_999).toISOString() : to
  return f
}

/** A positive integer query value (an audit row or host id cursor), else undefined. */
function idParam(v: string | undefined): number | undefined {
  const n = Number(v)
  return v && Number.isInteger(n) && n > 0 ? n : undefined
}

/** A non-negative integer offset (a list paged by position), else 0. */
function offsetParam(v: string | undefined): number {
  const n = Number(v)
  return v && Number.isInteger(n) && n >= 0 && n <= MAX_OFFSET ? n : 0
}

/** A DID-shaped cursor (account pages are ordered by DID), else undefined. */
function didParam(v: string | undefined): string | undefined {
  return v && v.length <= 2048 && DID_ISH.test(v) ? v : undefined
}

/** An answer the account page shows: the upstream body, or why there is none. */
function lookup(
  o: ActionOutcome,
): { ok: true; body: Record<string, unknown> } | { ok: false; reason: string } {
  if (
    o.kind === 'done' &&
    o.answer.status < 400 &&
    o.answer.body &&
    typeof o.answer.body === 'object'
  )
    return { ok: true, body: o.answer.body as Record<string, unknown> }
  if (o.kind === 'done') {
    const b = o.answer.body as { message?: unknown } | null
    return {
      ok: false,
      reason: `HTTP ${o.answer.status}${typeof b?.message === 'string' ? `: ${b.message}` : ''}`,
    }
  }
  return { ok: false, reason: o.kind === 'unknown-account' ? 'unknown account' : o.reason }
}

export function registerPageRoutes(app: FastifyInstance, d: PortalDeps): void {
  const notFound = (s: Signed, title: string, message: string) =>
    messagePage({
      title,
      message,
      user: layoutUser(s),
      links: html`<p><a class="btn secondary" href="accounts">Accounts</a></p>`,
    })

  app.get<{ Querystring: Record<string, string | undefined> }>('/accounts', async (req, reply) => {
    const s = await requirePage(d, req, reply)
    if (!s) return reply
    const query = req.query.q?.trim().slice(0, 256) || undefined
    const cursor = didParam(req.query.cursor)
    const before = didParam(req.query.before)
    const [hosts, result] = await Promise.all([
      d.o.fleet.hosts(),
      d.o.fleet.listAccounts({ limit: d.o.pageSize, cursor, before, query }),
    ])
    return reply.type('text/html; charset=utf-8').send(
      accountsPage({
        user: layoutUser(s),
        hosts,
        result,
        query,
        paged: !!(cursor || before),
      }),
    )
  })

  app.get<{
    Params: { did: string }
    Querystring: Record<string, string | undefined>
  }>('/account/:did', async (req, reply) => {
    const s = await requirePage(d, req, reply)
    if (!s) return reply
    const did = req.params.did
    if (did.length > 2048 || !DID_ISH.test(did))
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(notFound(s, 'Not a DID', 'An account is named by its DID.'))
    const account = await d.o.fleet.account(did)
    if (!account)
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(notFound(s, 'Unknown account', `No account ${did} in the fleet.`))
    const host = (await d.o.fleet.hosts()).find((h) => h.id === account.hostId)
    // The reads go through performAction: checked against the roles and audited like any call.
    const read = async (nsid: string) =>
      s.perms.allows(nsid, host ?? null)
        ? lookup(
            await performAction(
              { ...d.o, audit: d.audit },
              req.log,
              s.perms,
              ADMIN_ACTIONS.get(nsid)!,
              { did },
            ),
          )
        : undefined
    const sessionsFrom = offsetParam(req.query.sessions)
    const readSessions = async (): Promise<SessionsLookup | undefined> => {
      const sessions = d.o.accountSessions
      if (!sessions || !s.perms.allows(VIEW_SESSIONS_WITH, host ?? null)) return undefined
      try {
        const p = await sessions.list(did, { limit: d.o.pageSize, offset: sessionsFrom })
        return { ok: true, ...p, offset: sessionsFrom }
      } catch (err) {
        req.log.warn({ err, did }, 'account sessions could not be read')
        return { ok: false, reason: 'could not be read' }
      }
    }
    const [info, subject, audit, sessions] = await Promise.all([
      read('com.atproto.admin.getAccountInfo'),
      read('com.atproto.admin.getSubjectStatus'),
      s.perms.mayEver(READ_AUDIT)
        ? d.audit.list({ target: did }, { limit: ACCOUNT_AUDIT_ROWS }).then((p) => p.rows)
        : undefined,
      readSessions(),
    ])
    const lookups: AccountLookups = {
      info: info && (info.ok ? { ok: true, view: info.body } : info),
      subject: subject && (subject.ok ? { ok: true, status: subject.body } : subject),
      audit,
      sessions,
    }
    return reply.type('text/html; charset=utf-8').send(
      accountDetailPage({
        user: layoutUser(s),
        perms: s.perms,
        account,
        host,
        lookups,
        pageSize: d.o.pageSize,
      }),
    )
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/hosts', async (req, reply) => {
    const s = await requirePage(d, req, reply)
    if (!s) return reply
    const after = idParam(req.query.after)
    // Fleets are small: one read, paged here so that no page is unbounded.
    const all = (await d.o.fleet.hostSummaries()).filter((h) => !after || h.id > after)
    const hosts = all.slice(0, d.o.pageSize)
    return reply.type('text/html; charset=utf-8').send(
      hostsPage({
        user: layoutUser(s),
        perms: s.perms,
        hosts,
        next: all.length > hosts.length ? hosts.at(-1)!.id : undefined,
        paged: after !== undefined,
      }),
    )
  })

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
    const beforeId = idParam(req.query.before)
    const afterId = beforeId === undefined ? idParam(req.query.after) : undefined
    const page = await d.audit.list(filter, { limit: d.o.pageSize, beforeId, afterId })
    // The chain is verified over every row, whatever the filter, against the newest checkpoint.
    const verdict = req.query.verify ? await d.audit.verify() : undefined
    return reply.type('text/html; charset=utf-8').send(
      auditPage({
        user: layoutUser(s),
        filter,
        rows: page.rows,
        cursor: page.cursor,
        newer: page.newer,
        paged: beforeId !== undefined || afterId !== undefined,
        verdict,
      }),
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
      const stamp = new Date(d.o.now()).toISOString().replace(/[:.]/g, '-')
      await d.audit.append({
        at: new Date(d.o.now()).toISOString(),
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
