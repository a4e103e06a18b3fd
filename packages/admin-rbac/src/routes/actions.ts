import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  AuthRequiredError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  XrpcError,
} from '@entryway/xrpc'
import { ADMIN_ACTIONS, type ActionInput } from '../actions.js'
import { layoutUser, requirePage, type PortalDeps, type Signed } from '../deps.js'
import { confirmPage } from '../pages/dashboard.js'
import { messagePage } from '../pages/message.js'
import { resultPage } from '../pages/result.js'
import { performAction, outcomeStatus } from '../perform-action.js'
import { safeEqual } from '../portal-session.js'
import { html } from '../html.js'

const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]+$/

/** The page an action's result leads back to: the account it was about, or the hosts page. */
export function backTo(input: ActionInput): { href: string; label: string } | undefined {
  if (typeof input.host === 'string' && /^\d+$/.test(input.host))
    return { href: 'hosts', label: 'Back to the hosts' }
  for (const k of ['did', 'account', 'recipientDid']) {
    const v = input[k]
    if (typeof v === 'string' && DID.test(v.trim()))
      return { href: `account/${encodeURIComponent(v.trim())}`, label: 'Back to the account' }
  }
  return undefined
}

const backLink = html`<p><a class="btn secondary" href="./">Back to the dashboard</a></p>`

function toInput(body: unknown): ActionInput {
  const out: ActionInput = {}
  if (!body || typeof body !== 'object') return out
  for (const [k, v] of Object.entries(body)) {
    if (k === '_csrf') continue
    if (typeof v === 'string') out[k] = v
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v)
    else if (Array.isArray(v)) out[k] = v.filter((x) => typeof x === 'string')
  }
  return out
}

async function auditRefusal(
  d: PortalDeps,
  s: Signed,
  nsid: string,
  status: number,
  detail: string,
): Promise<void> {
  await d.audit.append({
    at: new Date(d.o.now()).toISOString(),
    actorDid: s.session.did,
    nsid,
    target: null,
    hostId: null,
    allowed: false,
    resultStatus: status,
    detail,
  })
}

/** Same-origin check on top of the token: a browser always sends Origin on a cross-site POST. */
function crossOrigin(req: FastifyRequest, publicUrl: string): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return false
  if (origin === 'null') return true
  const host = req.headers.host
  return (
    origin !== publicUrl && !(host && (origin === `http://${host}` || origin === `https://${host}`))
  )
}

export function registerActionRoutes(app: FastifyInstance, d: PortalDeps): void {
  // HTML forms.
  app.post<{ Params: { nsid: string } }>(
    '/action/:nsid',
    { config: d.actionLimit },
    async (req, reply) => {
      const s = await requirePage(d, req, reply)
      if (!s) return reply
      const user = layoutUser(s)
      const body = (req.body ?? {}) as Record<string, unknown>
      const action = ADMIN_ACTIONS.get(req.params.nsid)
      if (
        typeof body._csrf !== 'string' ||
        !safeEqual(body._csrf, s.session.csrfToken) ||
        crossOrigin(req, d.o.publicUrl)
      ) {
        await auditRefusal(d, s, action?.nsid ?? 'portal.csrf', 403, 'missing or wrong CSRF token')
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .send(
            messagePage({
              title: 'Form expired',
              message: 'This form is no longer valid. Reload the page and try again.',
              user,
              links: backLink,
            }),
          )
      }
      if (!action) {
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(
            messagePage({
              title: 'Unknown action',
              message: `There is no admin action ${req.params.nsid}.`,
              user,
              links: backLink,
            }),
          )
      }
      const input = toInput(body)
      const outcome = await performAction(
        { ...d.o, audit: d.audit },
        req.log,
        s.perms,
        action,
        input,
      )
      // a refusal of the call is the page's status (4xx stays 4xx); only a failing service is a 502
      const status =
        outcome.kind === 'done'
          ? outcome.answer.status >= 500
            ? 502
            : outcome.answer.status >= 400
              ? outcome.answer.status
              : 200
          : outcomeStatus(outcome)
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(resultPage({ user, action, outcome, back: backTo(input) }))
    },
  )

  // A POST of the portal's own forms only (CSRF token, same origin): a link someone sends a
  // member cannot open a confirmation page filled with values of their choosing.
  app.post<{ Params: { nsid: string } }>(
    '/confirm/:nsid',
    { config: d.actionLimit },
    async (req, reply) => {
      const s = await requirePage(d, req, reply)
      if (!s) return reply
      const body = (req.body ?? {}) as Record<string, unknown>
      const action = ADMIN_ACTIONS.get(req.params.nsid)
      if (
        typeof body._csrf !== 'string' ||
        !safeEqual(body._csrf, s.session.csrfToken) ||
        crossOrigin(req, d.o.publicUrl)
      ) {
        await auditRefusal(d, s, action?.nsid ?? 'portal.csrf', 403, 'missing or wrong CSRF token')
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .send(
            messagePage({
              title: 'Form expired',
              message: 'This form is no longer valid. Reload the page and try again.',
              user: layoutUser(s),
              links: backLink,
            }),
          )
      }
      if (!action)
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(
            messagePage({
              title: 'Unknown action',
              message: 'No such action.',
              user: layoutUser(s),
              links: backLink,
            }),
          )
      if (!s.perms.mayEver(action.nsid)) {
        await auditRefusal(
          d,
          s,
          action.nsid,
          403,
          'confirmation page of an action the member may not call',
        )
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .send(
            messagePage({
              title: 'Not allowed',
              message: `Your roles do not allow ${action.nsid}.`,
              user: layoutUser(s),
              links: backLink,
            }),
          )
      }
      const values: Record<string, string> = {}
      for (const f of action.fields)
        if (typeof body[f.name] === 'string') values[f.name] = body[f.name] as string
      return reply
        .type('text/html; charset=utf-8')
        .send(confirmPage({ user: layoutUser(s), action, values }))
    },
  )

  // JSON API: same checks; the CSRF token comes in `x-csrf-token`. Errors are XRPC-shaped.
  app.post<{ Params: { nsid: string } }>(
    '/xrpc/:nsid',
    { config: d.actionLimit },
    async (req, reply) => {
      const c = await d.sessions.check(req, reply)
      if (!c.ok) {
        if (c.reason === 'not-member') throw new ForbiddenError('not a member of the admin team')
        throw new AuthRequiredError(
          c.reason === 'none' ? `sign in at ${d.o.prefix}/login` : `${c.reason} session`,
        )
      }
      const action = ADMIN_ACTIONS.get(req.params.nsid)
      const token = req.headers['x-csrf-token']
      if (
        typeof token !== 'string' ||
        !safeEqual(token, c.session.csrfToken) ||
        crossOrigin(req, d.o.publicUrl)
      ) {
        await auditRefusal(d, c, action?.nsid ?? 'portal.csrf', 403, 'missing or wrong CSRF token')
        throw new ForbiddenError('missing or wrong x-csrf-token', 'InvalidCsrfToken')
      }
      if (!action)
        throw new NotFoundError(`no admin action ${req.params.nsid}`, 'MethodNotImplemented')
      const outcome = await performAction(
        { ...d.o, audit: d.audit },
        req.log,
        c.perms,
        action,
        toInput(req.body),
      )
      switch (outcome.kind) {
        case 'done':
          return reply.code(outcome.answer.status).send(outcome.answer.body ?? {})
        case 'denied':
          throw new ForbiddenError(outcome.reason)
        case 'invalid':
          throw new InvalidRequestError(outcome.reason)
        case 'unknown-account':
          throw new NotFoundError(`unknown account ${outcome.did}`, 'AccountNotFound')
        case 'upstream-error':
          throw new XrpcError(502, 'UpstreamFailure', outcome.reason)
      }
    },
  )

  app.get('/api/session', async (req, reply) => {
    const c = await d.sessions.check(req, reply)
    if (!c.ok)
      throw c.reason === 'not-member'
        ? new ForbiddenError('not a member of the admin team')
        : new AuthRequiredError('no valid session')
    return {
      did: c.session.did,
      roles: c.perms.roleNames,
      csrfToken: c.session.csrfToken,
      expiresAt: c.session.expiresAt,
    }
  })
}
