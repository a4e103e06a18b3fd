import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Signer } from '@fastify/cookie'
import type { AuditTrail } from './audit-trail.js'
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE, type ResolvedAdminRbacOptions } from './options.js'
import { permissionsFor, type Permissions } from './rbac-policy.js'
import type { RbacSource } from './rbac-source.js'
import type { AdminSession } from './session-store.js'

export type SessionCheck =
  | { ok: true; session: AdminSession; perms: Permissions }
  | { ok: false; reason: 'none' | 'tampered' | 'unknown' | 'expired' | 'not-member'; did?: string }

export const randomToken = (): string => randomBytes(32).toString('base64url')

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Portal sessions: signed cookie → server-side row → RBAC membership, re-checked on every request. */
export class PortalSessions {
  private readonly signer: Signer
  constructor(
    private readonly o: Readonly<ResolvedAdminRbacOptions>,
    private readonly rbac: RbacSource,
    private readonly audit: AuditTrail,
  ) {
    this.signer = new Signer(o.cookieSecret, 'sha256')
  }

  private cookieOpts(maxAgeSec?: number) {
    return {
      path: this.o.prefix,
      httpOnly: true,
      secure: this.o.secureCookies,
      sameSite: 'lax' as const,
      ...(maxAgeSec !== undefined ? { maxAge: maxAgeSec } : {}),
    }
  }

  async create(reply: FastifyReply, did: string): Promise<AdminSession> {
    const now = this.o.now()
    const s: AdminSession = {
      id: randomToken(),
      did,
      csrfToken: randomToken(),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.o.sessionTtlMs).toISOString(),
    }
    await this.o.stores.sessions.create(s)
    reply.setCookie(
      SESSION_COOKIE,
      this.signer.sign(s.id),
      this.cookieOpts(Math.floor(this.o.sessionTtlMs / 1000)),
    )
    return s
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, this.cookieOpts())
  }

  /** Checks the cookie; every refusal of a presented cookie is audited (anonymous ones aggregated). */
  async check(req: FastifyRequest, reply: FastifyReply): Promise<SessionCheck> {
    const raw = req.cookies[SESSION_COOKIE]
    if (!raw) return { ok: false, reason: 'none' }
    const refuse = async (
      reason: 'tampered' | 'unknown' | 'expired' | 'not-member',
      did?: string,
    ): Promise<SessionCheck> => {
      if (reason !== 'not-member') this.clear(reply)
      await this.audit.append({
        at: new Date(this.o.now()).toISOString(),
        actorDid: did ?? 'anonymous',
        nsid: 'portal.session',
        target: req.url.split('?')[0]!.slice(0, 200),
        hostId: null,
        allowed: false,
        resultStatus: reason === 'not-member' ? 403 : 401,
        detail: `${reason} session cookie`,
      })
      req.log.warn({ reason, did }, 'admin session refused')
      return { ok: false, reason, did }
    }
    const un = this.signer.unsign(raw)
    if (!un.valid || !un.value) return refuse('tampered')
    const s = await this.o.stores.sessions.get(un.value)
    if (!s) return refuse('unknown')
    if (s.expiresAt <= new Date(this.o.now()).toISOString()) {
      await this.o.stores.sessions.delete(s.id)
      return refuse('expired', s.did)
    }
    const perms = permissionsFor(this.rbac.current(), s.did)
    if (!perms.isMember) return refuse('not-member', s.did)
    return { ok: true, session: s, perms }
  }

  /** The double-submit token for the login form (no session yet). */
  loginCsrf(req: FastifyRequest, reply: FastifyReply): string {
    const existing = req.cookies[LOGIN_CSRF_COOKIE]
    const un = existing ? this.signer.unsign(existing) : null
    if (un?.valid && un.value) return un.value
    const t = randomToken()
    reply.setCookie(LOGIN_CSRF_COOKIE, this.signer.sign(t), this.cookieOpts(3600))
    return t
  }

  checkLoginCsrf(req: FastifyRequest, formToken: unknown): boolean {
    const c = req.cookies[LOGIN_CSRF_COOKIE]
    const un = c ? this.signer.unsign(c) : null
    return !!(
      un?.valid &&
      un.value &&
      typeof formToken === 'string' &&
      safeEqual(un.value, formToken)
    )
  }
}
