import type { FastifyInstance } from 'fastify'
import { entrywaySession, type Mailer } from '@entryway/session'
import type { GatewayContext } from '../context.js'
import { gatewayMailer } from './mailer.js'
import { KyselyAccountStore, KyselyAppPasswordStore, KyselyEmailTokenStore, KyselyRefreshTokenStore } from '@entryway/session/postgres'

/** Registers the session plugin with its Postgres-backed stores, SMTP mail and the shared rate-limit store. */
export async function wireSession(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg } = ctx
  // Without SMTP, email flows cannot complete; say so in the log (never the code itself).
  const mailer: Mailer = gatewayMailer(app, ctx) ?? {
    send: async (msg) => {
      app.log.warn({ to: msg.to, subject: msg.subject }, 'email not configured (ENTRYWAY_SMTP_URL): message dropped')
    },
  }
  const db = ctx.database.db
  await app.register(entrywaySession, {
    accounts: new KyselyAccountStore(db),
    appPasswords: new KyselyAppPasswordStore(db),
    emailTokens: new KyselyEmailTokenStore(db),
    refreshTokens: new KyselyRefreshTokenStore(db),
    keyring: ctx.keyring,
    entrywayDid: cfg.service.did,
    // Through ctx, so the proxy's caching resolver (swapped in at wiring) serves us too.
    didResolver: { resolve: (did, opts) => ctx.didResolver.resolve(did, opts) },
    mailer,
    serviceName: cfg.service.name,
    pdsAdminPassword: ctx.secrets.pdsAdminPassword,
    plcUrl: cfg.plc.url,
    plcRotationKey: ctx.plcRotationKey,
    authVerifier: ctx.authVerifier,
    sessionIssuer: ctx.sessionIssuer,
    includeDidDoc: cfg.service.includeDidDocInSession,
    // the sign-in limits createSession shares with deleteAccount and the OAuth sign-in
    limiters: ctx.rateLimits.session,
    passwordGate: ctx.passwordGate,
    // Password reset or change and deletion end OAuth sessions too (registered after this plugin).
    onRevokeAccountSessions: async (did) => {
      if (app.hasDecorator('entrywayOAuth')) await app.entrywayOAuth.revokeAccountSessions(did)
    },
  })
}
