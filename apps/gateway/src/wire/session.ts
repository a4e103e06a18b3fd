import type { FastifyInstance } from 'fastify'
import { entrywaySession, type AccountInvites } from '@entryway/session'
import type { EntrywayDb } from '@entryway/db'
import { inviteView } from '@entryway/placement'
import { KyselyAccountDirectory, KyselyInviteStore } from '@entryway/placement/postgres'
import type { GatewayContext } from '../context.js'
import { sessionRateLimits } from './route-limits.js'
import {
  KyselyAccountStore,
  KyselyAppPasswordStore,
  KyselyEmailTokenStore,
  KyselyRefreshTokenStore,
} from '@entryway/session/postgres'

/** Invite codes and the invites switch of an account, from placement's stores. */
function placementAccountInvites(db: EntrywayDb): AccountInvites {
  const invites = new KyselyInviteStore(db)
  const accounts = new KyselyAccountDirectory(db)
  return {
    async forAccount(did) {
      const [codes, account] = await Promise.all([
        invites.listForAccount(did, { includeUsed: true }),
        accounts.getByDid(did),
      ])
      return {
        invites: codes.map(inviteView),
        invitesDisabled: account?.invitesDisabled ?? false,
      }
    },
  }
}

/** Registers the session plugin with its Postgres-backed stores, SMTP mail, the outbox and the shared rate-limit store. */
export async function wireSession(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg, mail } = ctx
  const db = ctx.database.db
  await app.register(entrywaySession, {
    accounts: new KyselyAccountStore(db),
    appPasswords: new KyselyAppPasswordStore(db),
    emailTokens: new KyselyEmailTokenStore(db),
    refreshTokens: new KyselyRefreshTokenStore(db),
    keyring: ctx.keyring,
    entrywayDid: cfg.service.did,
    didResolver: ctx.didResolver,
    // without SMTP, mailer is null and the flows that must mail answer 501 (never a dropped mail)
    mailer: mail.mailer,
    mailTemplates: mail.templates,
    serviceName: cfg.service.name,
    serviceUrl: cfg.service.publicUrl,
    pdsAdminPassword: ctx.secrets.pdsAdminPassword,
    // PLC tombstones and code mails are durable jobs, retried until they succeed
    plc: ctx.outbox.plc,
    outbox: ctx.outbox.worker,
    authVerifier: ctx.authVerifier,
    sessionIssuer: ctx.sessionIssuer,
    includeDidDoc: cfg.service.includeDidDocInSession,
    // the sign-in limits createSession shares with deleteAccount and the OAuth sign-in
    limiters: ctx.rateLimits.session,
    // the routes' own limits (deleteAccount, password reset, email requests), on the shared store
    rateLimits: sessionRateLimits(cfg.rateLimits),
    rateLimitStore: ctx.rateLimits.store,
    passwordGate: ctx.passwordGate,
    // Password reset or change and deletion end OAuth sessions too, when the OAuth server is mounted.
    // a PDS in entryway mode keeps no invites: admin account views read placement's
    accountInvites: placementAccountInvites(db),
    onRevokeAccountSessions: async (did) => {
      if (app.hasDecorator('entrywayOAuth')) await app.entrywayOAuth.revokeAccountSessions(did)
    },
  })
}
