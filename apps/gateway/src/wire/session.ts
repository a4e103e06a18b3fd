import type { FastifyInstance } from 'fastify'
import {
  DidPlcOperator,
  OutboxWorker,
  entrywaySession,
  sessionJobHandlers,
  type AccountInvites,
  type Mailer,
} from '@entryway/session'
import type { EntrywayDb } from '@entryway/db'
import { inviteView } from '@entryway/placement'
import { KyselyAccountDirectory, KyselyInviteStore } from '@entryway/placement/postgres'
import type { GatewayContext } from '../context.js'
import { gatewayMailer } from './mailer.js'
import {
  KyselyAccountStore,
  KyselyAppPasswordStore,
  KyselyEmailTokenStore,
  KyselyOutboxStore,
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

/** Registers the session plugin with its Postgres-backed stores, SMTP mail and the shared rate-limit store. */
export async function wireSession(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg } = ctx
  // Without SMTP, email flows cannot complete; say so in the log (never the code itself).
  const mailer: Mailer = gatewayMailer(app, ctx) ?? {
    send: async (msg) => {
      app.log.warn(
        { to: msg.to, subject: msg.subject },
        'email not configured (ENTRYWAY_SMTP_URL): message dropped',
      )
    },
  }
  const db = ctx.database.db
  const plc = new DidPlcOperator(cfg.plc.url, ctx.plcRotationKey)
  // outside calls that follow a committed change (the PLC tombstone of a deleted account) are
  // durable jobs, retried until they succeed; every instance polls, each job runs on one at a time
  const outbox = new OutboxWorker({
    store: new KyselyOutboxStore(db),
    handlers: sessionJobHandlers(plc),
    log: app.log.child({ component: 'outbox' }),
    pollMs: cfg.outbox.pollMs,
    backoffMs: cfg.outbox.backoffMs,
    maxBackoffMs: cfg.outbox.maxBackoffMs,
  })
  app.addHook('onReady', async () => outbox.start())
  app.addHook('onClose', async () => outbox.stop())
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
    plc,
    outbox,
    authVerifier: ctx.authVerifier,
    sessionIssuer: ctx.sessionIssuer,
    includeDidDoc: cfg.service.includeDidDocInSession,
    // the sign-in limits createSession shares with deleteAccount and the OAuth sign-in
    limiters: ctx.rateLimits.session,
    passwordGate: ctx.passwordGate,
    // Password reset or change and deletion end OAuth sessions too (registered after this plugin).
    // a PDS in entryway mode keeps no invites: admin account views read placement's
    accountInvites: placementAccountInvites(db),
    onRevokeAccountSessions: async (did) => {
      if (app.hasDecorator('entrywayOAuth')) await app.entrywayOAuth.revokeAccountSessions(did)
    },
  })
}
