import { hkdfSync } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Secp256k1Keypair } from '@atproto/crypto'
import type { Database } from '@entryway/db'
import { xrpcErrorHandler } from '@entryway/xrpc'
import {
  ACCESS_FULL,
  ACCESS_STANDARD,
  AuthVerifier,
  JwtKeyring,
  createSessionIssuer,
  entrywaySession,
  verifyAccessToken,
  type Mailer,
} from '@entryway/session'
import {
  KyselyAccountStore,
  KyselyAppPasswordStore,
  KyselyEmailTokenStore,
  KyselyRefreshTokenStore,
} from '@entryway/session/postgres'
import { entrywayPlacement, UndiciPdsClient, UndiciPlcClient } from '@entryway/placement'
import {
  KyselyAccountDirectory,
  KyselyHostRegistry,
  KyselyInviteStore,
  KyselySignupStore,
} from '@entryway/placement/postgres'
import { createDidDocFetcher, DidDocCache, entrywayProxy } from '@entryway/proxy'
import { KyselyAccountRoutes, KyselyHostDirectory } from '@entryway/proxy/postgres'
import {
  basicAdminHeader,
  entrywayAdminRbac,
  OAuthAdminLogin,
  parseRbacPolicy,
  queryString,
  StaticRbacSource,
  UndiciPdsAdminXrpc,
} from '@entryway/admin-rbac'
import {
  KyselyAdminOAuthStateStore,
  KyselyAdminSessionStore,
  KyselyAuditLog,
  KyselyFleetDirectory,
} from '@entryway/admin-rbac/postgres'

export interface EntrywayOptions {
  /** An open, migrated `@entryway/db` database (Postgres in production). */
  database: Database
  /** This server's public origin, e.g. `https://entryway.example.com`. */
  publicUrl: string
  /** This server's DID (the PDSes are told it, with the JWT public key). */
  did: string
  plcUrl: string
  /** secp256k1 private keys, hex. */
  jwtSigningKeyHex: string
  plcRotationKeyHex: string
  /** The PDSes' admin password. */
  pdsAdminPassword: string
  /** The PDSes accounts are placed on. */
  hosts: { url: string; did: string }[]
  handleDomains: string[]
  /** Who may use the admin portal (`/admin`): the RBAC policy as YAML. */
  rbacYaml: string
  /** HMAC key of the admin audit chain, ≥ 32 bytes. */
  auditKey: Uint8Array
  mailer: Mailer
}

/** Keys derived from the JWT key: every instance derives the same ones, so retries and cookies survive restarts. */
function derived(keyHex: string, purpose: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(keyHex, 'hex'), 'entryway-example', purpose, 32),
  )
}

/**
 * Adds the Entryway to an existing Fastify app: sign-up across the PDS fleet (placement), sessions,
 * the proxy to each account's PDS and the admin portal, all on the Postgres stores each package ships.
 */
export async function registerEntryway(app: FastifyInstance, o: EntrywayOptions): Promise<void> {
  const db = o.database.db
  const keyring = await JwtKeyring.fromHex(o.jwtSigningKeyHex)
  const rotationKey = await Secp256k1Keypair.import(o.plcRotationKeyHex)
  // one DID resolver for everyone: the proxy's cache, fetching from PLC or did:web
  const didResolver = new DidDocCache({
    fetch: createDidDocFetcher({ plcUrl: o.plcUrl, timeoutMs: 3_000 }),
    log: app.log,
  })
  const authVerifier = new AuthVerifier({
    keyring,
    entrywayDid: o.did,
    didResolver,
    adminPassword: o.pdsAdminPassword,
  })
  const sessionIssuer = createSessionIssuer({
    keyring,
    entrywayDid: o.did,
    refreshTokens: new KyselyRefreshTokenStore(db),
  })

  // every plugin names this one as a dependency: errors answer as XRPC `{ error, message }`
  await app.register(xrpcErrorHandler)

  await app.register(entrywayProxy, {
    hosts: new KyselyHostDirectory(db),
    accounts: new KyselyAccountRoutes(db),
    didResolver,
    verifyAccessToken: (token) => verifyAccessToken(keyring, token),
    entrywayDid: o.did,
  })

  await app.register(entrywaySession, {
    accounts: new KyselyAccountStore(db),
    appPasswords: new KyselyAppPasswordStore(db),
    emailTokens: new KyselyEmailTokenStore(db),
    refreshTokens: new KyselyRefreshTokenStore(db),
    keyring,
    entrywayDid: o.did,
    didResolver,
    mailer: o.mailer,
    serviceName: 'Embedded Entryway',
    pdsAdminPassword: o.pdsAdminPassword,
    plcUrl: o.plcUrl,
    plcRotationKey: rotationKey,
    authVerifier,
    sessionIssuer,
  })

  await app.register(entrywayPlacement, {
    handleDomains: o.handleDomains,
    rotationKey,
    hosts: new KyselyHostRegistry(db),
    signups: new KyselySignupStore(db),
    accounts: new KyselyAccountDirectory(db),
    invites: new KyselyInviteStore(db),
    pds: new UndiciPdsClient({ adminPassword: o.pdsAdminPassword, timeoutMs: 20_000 }),
    plc: new UndiciPlcClient(o.plcUrl, 10_000),
    auth: {
      async user(req, nsid, opts) {
        const a = await authVerifier.accessOrService(
          req,
          nsid,
          opts?.full ? ACCESS_FULL : ACCESS_STANDARD,
        )
        return { did: a.did, via: a.type }
      },
      admin: (req) => authVerifier.adminBasic(req),
    },
    sessions: sessionIssuer,
    requestKeySecret: new Uint8Array(derived(o.jwtSigningKeyHex, 'placement signup request key')),
    seedHosts: o.hosts.map((h) => ({ url: h.url, did: h.did, internalUrl: null })),
  })

  await app.register(entrywayAdminRbac, {
    rbac: new StaticRbacSource(parseRbacPolicy(o.rbacYaml)),
    publicUrl: o.publicUrl,
    cookieSecret: derived(o.jwtSigningKeyHex, 'admin portal cookie').toString('base64url'),
    stores: { sessions: new KyselyAdminSessionStore(db), audit: new KyselyAuditLog(db) },
    auditKey: o.auditKey,
    fleet: new KyselyFleetDirectory(db),
    pds: new UndiciPdsAdminXrpc({ adminPassword: o.pdsAdminPassword, timeoutMs: 15_000 }),
    // the Entryway's own admin routes, called in-process with the admin password
    entryway: {
      async call(nsid, call) {
        const res = await app.inject({
          method: call.method,
          url: `/xrpc/${nsid}${call.method === 'GET' ? queryString(call.params) : ''}`,
          headers: {
            authorization: basicAdminHeader(o.pdsAdminPassword),
            ...(call.method === 'POST' ? { 'content-type': 'application/json' } : {}),
          },
          ...(call.method === 'POST' ? { payload: JSON.stringify(call.body ?? {}) } : {}),
        })
        return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : null }
      },
    },
    login: new OAuthAdminLogin({
      publicUrl: o.publicUrl,
      handleResolver: o.publicUrl,
      plcDirectoryUrl: o.plcUrl,
      stateStore: new KyselyAdminOAuthStateStore(db),
    }),
  })
}
