import type { FastifyInstance } from 'fastify'
import type * as AdminRbac from '@entryway/admin-rbac'
import type { EntrywayXrpc } from '@entryway/admin-rbac'
import type { GatewayContext } from '../context.js'
import { gatewayAccountSessions } from './account-sessions.js'

/** Deadline of one admin call to a PDS. */
export const ADMIN_PDS_TIMEOUT_MS = 15_000

/**
 * Entryway-owned admin routes (takedowns, deletion, invites, passwords, email, sign-up) called in-process through
 * `app.inject`, with the admin credentials added here: nothing leaves the process.
 */
function injectedEntrywayXrpc(
  app: FastifyInstance,
  adminPassword: string,
  { basicAdminHeader, queryString }: typeof AdminRbac,
): EntrywayXrpc {
  const auth = basicAdminHeader(adminPassword)
  return {
    async call(nsid, call) {
      const res = await app.inject({
        method: call.method,
        url: `/xrpc/${nsid}${call.method === 'GET' ? queryString(call.params) : ''}`,
        headers: {
          authorization: auth,
          ...(call.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(call.method === 'POST' ? { payload: JSON.stringify(call.body ?? {}) } : {}),
      })
      let body: unknown = res.body
      try {
        body = res.body ? JSON.parse(res.body) : null
      } catch {
        // not JSON: pass the text on
      }
      return { status: res.statusCode, body }
    },
  }
}

/**
 * Registers the admin portal with its Postgres-backed stores; not mounted without an RBAC file.
 * The portal is loaded only then: its OAuth client (@atproto/oauth-client-node) costs ~40 MB of
 * RSS that a gateway without a portal never needs (bench/results/memory.md).
 */
export async function wireAdmin(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { cfg, secrets } = ctx
  if (!cfg.adminRbac) return
  const rbac = await import('@entryway/admin-rbac')
  const { entrywayAdminRbac, OAuthAdminLogin, UndiciPdsAdminXrpc, FileAuditCheckpoints } = rbac
  const {
    KyselyAuditLog,
    KyselyAdminSessionStore,
    KyselyFleetDirectory,
    KyselyAdminOAuthStateStore,
  } = await import('@entryway/admin-rbac/postgres')
  const db = ctx.database.db
  await app.register(entrywayAdminRbac, {
    rbac: { file: cfg.adminRbac.file },
    publicUrl: cfg.service.publicUrl,
    // ENTRYWAY_ADMIN_COOKIE_SECRET, else derived from the JWT key (every instance signs alike)
    cookieSecret: secrets.adminCookieSecret,
    sessionTtlMs: cfg.adminRbac.sessionTtlMs,
    stores: {
      sessions: new KyselyAdminSessionStore(db),
      audit: new KyselyAuditLog(db),
      ...(cfg.adminRbac.checkpointFile
        ? { checkpoints: new FileAuditCheckpoints(cfg.adminRbac.checkpointFile) }
        : {}),
    },
    auditKey: secrets.adminAuditKey,
    fleet: new KyselyFleetDirectory(db),
    pds: new UndiciPdsAdminXrpc({
      adminPassword: secrets.pdsAdminPassword,
      timeoutMs: ADMIN_PDS_TIMEOUT_MS,
    }),
    entryway: injectedEntrywayXrpc(app, secrets.pdsAdminPassword, rbac),
    accountSessions: gatewayAccountSessions(app, db),
    login: new OAuthAdminLogin({
      publicUrl: cfg.service.publicUrl,
      handleResolver: cfg.service.publicUrl,
      plcDirectoryUrl: cfg.plc.url,
      // the OAuth callback may reach another instance than the one that started the sign-in
      stateStore: new KyselyAdminOAuthStateStore(db),
    }),
    // login and action limits count across instances (Redis, with an in-process fallback)
    ...(ctx.rateLimits.store ? { rateLimitStore: ctx.rateLimits.store } : {}),
  })
}
