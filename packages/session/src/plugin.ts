import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { resolveOptions, type SessionPluginOptions } from './options.js'
import { PasswordGate } from './password-gate.js'
import { createLimiters } from './rate-limits.js'
import type { SessionDeps } from './deps.js'
import { tokenEmailsOf } from './token-emails.js'
import { ACCOUNT_DELETE_JOB } from './outbox/jobs.js'
import { scheduledDeletionHandler } from './scheduled-deletion.js'
import { registerCreateSession } from './routes/com.atproto.server.createSession.js'
import { registerRefreshSession } from './routes/com.atproto.server.refreshSession.js'
import { registerDeleteSession } from './routes/com.atproto.server.deleteSession.js'
import { registerGetSession } from './routes/com.atproto.server.getSession.js'
import { registerCreateAppPassword } from './routes/com.atproto.server.createAppPassword.js'
import { registerListAppPasswords } from './routes/com.atproto.server.listAppPasswords.js'
import { registerRevokeAppPassword } from './routes/com.atproto.server.revokeAppPassword.js'
import { registerRequestEmailConfirmation } from './routes/com.atproto.server.requestEmailConfirmation.js'
import { registerConfirmEmail } from './routes/com.atproto.server.confirmEmail.js'
import { registerRequestEmailUpdate } from './routes/com.atproto.server.requestEmailUpdate.js'
import { registerUpdateEmail } from './routes/com.atproto.server.updateEmail.js'
import { registerRequestPasswordReset } from './routes/com.atproto.server.requestPasswordReset.js'
import { registerResetPassword } from './routes/com.atproto.server.resetPassword.js'
import { registerActivateAccount } from './routes/com.atproto.server.activateAccount.js'
import { registerDeactivateAccount } from './routes/com.atproto.server.deactivateAccount.js'
import { registerRequestAccountDelete } from './routes/com.atproto.server.requestAccountDelete.js'
import { registerDeleteAccount } from './routes/com.atproto.server.deleteAccount.js'
import { registerRequestPlcOperationSignature } from './routes/com.atproto.identity.requestPlcOperationSignature.js'
import { registerSignPlcOperation } from './routes/com.atproto.identity.signPlcOperation.js'
import { registerCheckSignupQueue } from './routes/com.atproto.temp.checkSignupQueue.js'
import { registerAdminUpdateAccountPassword } from './routes/com.atproto.admin.updateAccountPassword.js'
import { registerAdminUpdateAccountEmail } from './routes/com.atproto.admin.updateAccountEmail.js'
import { registerAdminSendEmail } from './routes/com.atproto.admin.sendEmail.js'
import { registerAdminUpdateSubjectStatus } from './routes/com.atproto.admin.updateSubjectStatus.js'
import { registerAdminGetSubjectStatus } from './routes/com.atproto.admin.getSubjectStatus.js'
import { registerAdminDeleteAccount } from './routes/com.atproto.admin.deleteAccount.js'
import { registerAdminGetAccountInfo } from './routes/com.atproto.admin.getAccountInfo.js'
import { registerAdminGetAccountInfos } from './routes/com.atproto.admin.getAccountInfos.js'
import { registerAdminSearchAccounts } from './routes/com.atproto.admin.searchAccounts.js'
import { registerAdminUnsupported } from './routes/com.atproto.admin.unsupported.js'

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
        ? { store: o.rateLimitStore as never }
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
    for (const register of [
      registerCreateSession,
      registerRefreshSession,
      registerDeleteSession,
      registerGetSession,
      registerCreateAppPassword,
      registerListAppPasswords,
      registerRevokeAppPassword,
      registerRequestEmailConfirmation,
      registerConfirmEmail,
      registerRequestEmailUpdate,
      registerUpdateEmail,
      registerRequestPasswordReset,
      registerResetPassword,
      registerActivateAccount,
      registerDeactivateAccount,
      registerRequestAccountDelete,
      registerDeleteAccount,
      registerRequestPlcOperationSignature,
      registerSignPlcOperation,
      registerCheckSignupQueue,
      registerAdminUpdateAccountPassword,
      registerAdminUpdateAccountEmail,
      registerAdminSendEmail,
      registerAdminUpdateSubjectStatus,
      registerAdminGetSubjectStatus,
      registerAdminDeleteAccount,
      registerAdminGetAccountInfo,
      registerAdminGetAccountInfos,
      registerAdminSearchAccounts,
      registerAdminUnsupported,
    ]) {
      register(scope, deps)
    }
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

/** Every XRPC method this plugin serves (the proxy must not forward them). */
export const SESSION_NSIDS: readonly string[] = [
  'com.atproto.server.createSession',
  'com.atproto.server.refreshSession',
  'com.atproto.server.deleteSession',
  'com.atproto.server.getSession',
  'com.atproto.server.createAppPassword',
  'com.atproto.server.listAppPasswords',
  'com.atproto.server.revokeAppPassword',
  'com.atproto.server.requestEmailConfirmation',
  'com.atproto.server.confirmEmail',
  'com.atproto.server.requestEmailUpdate',
  'com.atproto.server.updateEmail',
  'com.atproto.server.requestPasswordReset',
  'com.atproto.server.resetPassword',
  'com.atproto.server.activateAccount',
  'com.atproto.server.deactivateAccount',
  'com.atproto.server.requestAccountDelete',
  'com.atproto.server.deleteAccount',
  'com.atproto.identity.requestPlcOperationSignature',
  'com.atproto.identity.signPlcOperation',
  'com.atproto.temp.checkSignupQueue',
  'com.atproto.admin.updateAccountPassword',
  'com.atproto.admin.updateAccountEmail',
  'com.atproto.admin.sendEmail',
  'com.atproto.admin.updateSubjectStatus',
  'com.atproto.admin.getSubjectStatus',
  'com.atproto.admin.deleteAccount',
  'com.atproto.admin.getAccountInfo',
  'com.atproto.admin.getAccountInfos',
  'com.atproto.admin.searchAccounts',
]
