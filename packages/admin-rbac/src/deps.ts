import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditTrail } from './audit-trail.js'
import type { LayoutUser } from './html.js'
import type { ResolvedAdminRbacOptions } from './options.js'
import { messagePage } from './pages/message.js'
import type { PortalSessions, SessionCheck } from './portal-session.js'
import type { RbacSource } from './rbac-source.js'

export interface PortalDeps {
  o: Readonly<ResolvedAdminRbacOptions>
  rbac: RbacSource
  sessions: PortalSessions
  audit: AuditTrail
  /** Route `config` fragments applying the rate limits (empty when off). */
  loginLimit: Record<string, unknown>
  actionLimit: Record<string, unknown>
}

export type Signed = Extract<SessionCheck, { ok: true }>

export const layoutUser = (s: Signed): LayoutUser => ({
  did: s.session.did,
  roles: s.perms.roleNames,
  csrfToken: s.session.csrfToken,
})

const REFUSALS = {
  tampered: ['Session refused', 'Your session cookie is not valid. Please sign in again.'],
  unknown: ['Session ended', 'Your session has ended. Please sign in again.'],
  expired: ['Session expired', 'Your session has expired. Please sign in again.'],
  'not-member': ['Access denied', 'Your account is not a member of the admin team.'],
} as const

/** For HTML pages: the signed-in member, or a reply already sent (redirect to login or a refusal page). */
export async function requirePage(
  d: PortalDeps,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<Signed | null> {
  const c = await d.sessions.check(req, reply)
  if (c.ok) return c
  if (c.reason === 'none') {
    await reply.redirect(`${d.o.prefix}/login`, 303)
    return null
  }
  const [title, message] = REFUSALS[c.reason]
  await reply
    .code(c.reason === 'not-member' ? 403 : 401)
    .type('text/html; charset=utf-8')
    .send(messagePage({ title, message }))
  return null
}
