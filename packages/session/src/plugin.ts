import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { mountRoutes, nsidsOf, routeLimiter } from '@entryway/xrpc'
import rateLimit from '@fastify/rate-limit'
import { resolveOptions, type SessionPluginOptions } from './options.js'
import { PasswordGate } from './password-gate.js'
import { createLimiters } from './rate-limits.js'
import type { SessionDeps, SessionRoute } from './deps.js'
import { tokenEmailsOf } from './token-emails.js'
import { ACCOUNT_DELETE_JOB } from './outbox/jobs.js'
import { scheduledDeletionHandler } from './scheduled-deletion.js'
import { createSessionRoute } from './routes/com.atproto.server.createSession.js'
import { refreshSessionRoute } from './routes/com.atproto.server.refreshSession.js'
import { deleteSessionRoute } from './routes/com.atproto.server.deleteSession.js'
import { getSessionRoute } from './routes/com.atproto.server.getSession.js'
import { createAppPasswordRoute } from './routes/com.atproto.server.createAppPassword.js'
import { listAppPasswordsRoute } from './routes/com.atproto.server.listAppPasswords.js'
import { revokeAppPasswordRoute } from './routes/com.atproto.server.revokeAppPassword.js'
import { requestEmailConfirmationRoute } from './routes/com.atproto.server.requestEmailConfirmation.js'
import { confirmEmailRoute } from './routes/com.atproto.server.confirmEmail.js'
import { requestEmailUpdateRoute } from './routes/com.atproto.server.requestEmailUpdate.js'
import { updateEmailRoute } from './routes/com.atproto.server.updateEmail.js'
import { requestPasswordResetRoute } from './routes/com.atproto.server.requestPasswordReset.js'
import { resetPasswordRoute } from './routes/com.atproto.server.resetPassword.js'
import { activateAccountRoute } from './routes/com.atproto.server.activateAccount.js'
import { deactivateAccountRoute } from './routes/com.atproto.server.deactivateAccount.js'
import { requestAccountDeleteRoute } from './routes/com.atproto.server.requestAccountDelete.js'
import { deleteAccountRoute } from './routes/com.atproto.server.deleteAccount.js'
import { requestPlcOperationSignatureRoute } from './routes/com.atproto.identity.requestPlcOperationSignature.js'
import { signPlcOperationRoute } from './routes/com.atproto.identity.signPlcOperation.js'
import { checkSignupQueueRoute } from './routes/com.atproto.temp.checkSignupQueue.js'
import { adminUpdateAccountPasswordRoute } from './routes/com.atproto.admin.updateAccountPassword.js'
import { adminUpdateAccountEmailRoute } from './routes/com.atproto.admin.updateAccountEmail.js'
import { adminSendEmailRoute } from './routes/com.atproto.admin.sendEmail.js'
import { adminUpdateSubjectStatusRoute } from './routes/com.atproto.admin.updateSubjectStatus.js'
import { adminGetSubjectStatusRoute } from './routes/com.atproto.admin.getSubjectStatus.js'
import { adminDeleteAccountRoute } from './routes/com.atproto.admin.deleteAccount.js'
import { adminGetAccountInfoRoute } from './routes/com.atproto.admin.getAccountInfo.js'
import { adminGetAccountInfosRoute } from './routes/com.atproto.admin.getAccountInfos.js'
import { adminSearchAccountsRoute } from './routes/com.atproto.admin.searchAccounts.js'
import { adminUnsupportedRoute } from './routes/com.atproto.admin.unsupported.js'

async function sessionPlugin(app: FastifyInstance, raw: SessionPluginOptions): Promise<void> {
  const o = resolveOptions(raw)
  // Routes live in a child context: the JSON parser and rate-limit store below stay ours.
  await app.register(async (scope) => {
    // PDSes forward body-less procedures (activateAccount, requestEmailConfirmation…) and some
    // clients send `content-type: application/json` with no body: treat that as no input.
    const json = scope.getDefaultJsonParser('error', 'error')
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      if (body === '' || (typeof body === 'string' && body.trim() === ''))
        return done(null, undefined)
      return json(req, body as string, done)
    })
    await scope.register(rateLimit, {
      global: false,
      ...(o.rateLimitStore
        ? { store: o.rateLimitStore }
        : o.redis
          ? { redis: o.redis, nameSpace: 'entryway-session-' }
          : {}),
    })
    const deps: SessionDeps = {
      ...o,
      gate: o.passwordGate ?? new PasswordGate(o.passwordConcurrency, o.passwordQueueMax),
      limits: o.limiters ?? createLimiters(scope, o.rateLimits),
      tokenEmails: tokenEmailsOf(o),
    }
    // a deactivation's deleteAfter runs as an outbox job that needs these deps
    o.outbox?.handle(ACCOUNT_DELETE_JOB, scheduledDeletionHandler(deps, scope.log))
    const limiter = o.rateLimits ? routeLimiter(scope, 'session', o.rateLimits) : null
    await mountRoutes(scope, SESSION_ROUTES, deps, limiter)
  })
}

/**
 * Sessions for the whole fleet: login, refresh, app passwords, email flows and 2FA, and the
 * account lifecycle routes PDSes forward in entryway mode.
 */
export const entrywaySession = fp(sessionPlugin, {
  name: '@entryway/session',
  fastify: '5.x',
  dependencies: ['@entryway/xrpc'],
})

/** Every route module of the plugin, in registration order. */
export const SESSION_ROUTES: readonly SessionRoute[] = [
  createSessionRoute,
  refreshSessionRoute,
  deleteSessionRoute,
  getSessionRoute,
  createAppPasswordRoute,
  listAppPasswordsRoute,
  revokeAppPasswordRoute,
  requestEmailConfirmationRoute,
  confirmEmailRoute,
  requestEmailUpdateRoute,
  updateEmailRoute,
  requestPasswordResetRoute,
  resetPasswordRoute,
  activateAccountRoute,
  deactivateAccountRoute,
  requestAccountDeleteRoute,
  deleteAccountRoute,
  requestPlcOperationSignatureRoute,
  signPlcOperationRoute,
  checkSignupQueueRoute,
  adminUpdateAccountPasswordRoute,
  adminUpdateAccountEmailRoute,
  adminSendEmailRoute,
  adminUpdateSubjectStatusRoute,
  adminGetSubjectStatusRoute,
  adminDeleteAccountRoute,
  adminGetAccountInfoRoute,
  adminGetAccountInfosRoute,
  adminSearchAccountsRoute,
  adminUnsupportedRoute,
]

/** Every XRPC method this plugin serves, `com.atproto.admin.*` included (the proxy must not forward them). */
export const SESSION_NSIDS: readonly string[] = nsidsOf(SESSION_ROUTES)
