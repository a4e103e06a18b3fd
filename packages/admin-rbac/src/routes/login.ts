import type { FastifyInstance } from 'fastify'
import { AdminLoginError } from '../admin-login.js'
import type { PortalDeps } from '../deps.js'
import { loginPage } from '../pages/login.js'
import { messagePage } from '../pages/message.js'
import { permissionsFor } from '../rbac-policy.js'
import { html } from '../html.js'
import { safeEqual } from '../portal-session.js'

const IDENTIFIER_MAX = 256

export function registerLoginRoutes(app: FastifyInstance, d: PortalDeps): void {
  app.get('/login', { config: d.loginLimit }, async (req, reply) => {
    const csrf = d.sessions.loginCsrf(req, reply)
    const q = req.query as Record<string, string | undefined>
    return reply
      .type('text/html; charset=utf-8')
      .send(loginPage({ csrf, notice: q.out ? 'You are signed out.' : undefined }))
  })

  app.post('/login', { config: d.loginLimit }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const identifier = typeof body.identifier === 'string' ? body.identifier.trim() : ''
    const csrf = d.sessions.loginCsrf(req, reply)
    const again = (code: number, error: string) =>
      reply
        .code(code)
        .type('text/html; charset=utf-8')
        .send(loginPage({ csrf, error, identifier: identifier.slice(0, IDENTIFIER_MAX) }))
    if (!d.sessions.checkLoginCsrf(req, body._csrf))
      return again(403, 'The form expired. Please try again.')
    if (!identifier || identifier.length > IDENTIFIER_MAX)
      return again(400, 'Enter your handle or DID.')
    try {
      const { redirectUrl } = await d.o.login.start({ identifier, req })
      return reply.redirect(redirectUrl, 303)
    } catch (err) {
      req.log.info({ err, identifier }, 'admin login could not start')
      return again(
        400,
        err instanceof AdminLoginError
          ? err.message
          : 'Could not start signing in with that account.',
      )
    }
  })

  app.get('/oauth/callback', { config: d.loginLimit }, async (req, reply) => {
    const params = new URLSearchParams(req.url.split('?')[1] ?? '')
    let did: string
    try {
      did = (await d.o.login.callback({ params, req })).did
    } catch (err) {
      req.log.info({ err }, 'admin login callback failed')
      await d.audit.append({
        at: new Date(d.o.now()).toISOString(),
        actorDid: 'anonymous',
        nsid: 'portal.login',
        target: null,
        hostId: null,
        allowed: false,
        resultStatus: 401,
        detail: 'sign-in did not complete',
      })
      const msg =
        err instanceof AdminLoginError
          ? err.message
          : 'Signing in did not complete. Please try again.'
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(messagePage({ title: 'Sign-in failed', message: msg }))
    }
    const perms = permissionsFor(d.rbac.current(), did)
    const entry = {
      at: new Date(d.o.now()).toISOString(),
      actorDid: did,
      nsid: 'portal.login',
      target: did,
      hostId: null,
    }
    if (!perms.isMember) {
      await d.audit.append({ ...entry, allowed: false, resultStatus: 403, detail: 'not a member' })
      req.log.warn({ did }, 'admin login by a non-member')
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(
          messagePage({
            title: 'Access denied',
            message: `${did} is not a member of the admin team. Ask an administrator to add it to the RBAC file.`,
            links: html`<p>
              <a class="btn secondary" href="login">Sign in with another account</a>
            </p>`,
          }),
        )
    }
    await d.sessions.create(reply, did)
    await d.audit.append({
      ...entry,
      allowed: true,
      resultStatus: 200,
      detail: `roles: ${perms.roleNames.join(',')}`,
    })
    return reply.redirect(d.o.prefix, 303)
  })

  app.post('/logout', { config: d.actionLimit }, async (req, reply) => {
    const c = await d.sessions.check(req, reply)
    if (c.ok) {
      const body = (req.body ?? {}) as Record<string, unknown>
      if (typeof body._csrf !== 'string' || !safeEqual(body._csrf, c.session.csrfToken)) {
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .send(messagePage({ title: 'Form expired', message: 'Reload the page and try again.' }))
      }
      await d.o.stores.sessions.delete(c.session.id)
      await d.audit.append({
        at: new Date(d.o.now()).toISOString(),
        actorDid: c.session.did,
        nsid: 'portal.logout',
        target: null,
        hostId: null,
        allowed: true,
        resultStatus: 200,
        detail: null,
      })
    }
    d.sessions.clear(reply)
    return reply.redirect(`${d.o.prefix}/login?out=1`, 303)
  })
}
