import Fastify, { type FastifyInstance } from 'fastify'
import { Secp256k1Keypair } from '@atproto/crypto'
import { xrpcErrorHandler } from '@entryway/xrpc'
import {
  JwtKeyring,
  MemoryAccountStore,
  MemoryAppPasswordStore,
  MemoryEmailTokenStore,
  MemoryMailer,
  MemoryRefreshTokenStore,
  hashPassword,
  entrywaySession,
  verifyAccessToken,
  type DidDocResolver,
} from '@entryway/session'
import { entrywayProxy, MemoryAccountRoutes, MemoryHostDirectory } from '@entryway/proxy'

export interface EmbeddedOptions {
  /** The one PDS behind this server, e.g. `http://localhost:2600`. */
  pdsUrl: string
  pdsDid: string
  /** A DID resolver; in-memory here, @atproto/identity or the proxy's DidDocCache in real life. */
  didResolver: DidDocResolver
  /** The PLC directory (handle changes, deletions sign PLC operations with the rotation key). */
  plcUrl?: string
}

/**
 * "Your" existing Fastify server, which already has routes of its own, with two Entryway plugins
 * added: sessions (login, refresh, app passwords…) and DID-aware forwarding of every other XRPC
 * call. Everything lives in memory; swap each Memory* store for your own database.
 */
export async function buildEmbeddedServer(o: EmbeddedOptions) {
  const app: FastifyInstance = Fastify({ logger: false })
  app.get('/hello', async () => ({ hello: 'from your own app' }))

  await app.register(xrpcErrorHandler)
  const { keyring } = await JwtKeyring.generate()
  const accounts = new MemoryAccountStore()
  const mailer = new MemoryMailer()
  const entrywayDid = 'did:web:embedded.example'

  await app.register(entrywaySession, {
    accounts,
    appPasswords: new MemoryAppPasswordStore(),
    emailTokens: new MemoryEmailTokenStore(),
    refreshTokens: new MemoryRefreshTokenStore(),
    keyring,
    entrywayDid,
    didResolver: o.didResolver,
    mailer,
    serviceName: 'Embedded Example',
    pdsAdminPassword: 'not-used-in-this-example',
    plcUrl: o.plcUrl ?? 'https://plc.directory',
    plcRotationKey: await Secp256k1Keypair.create(),
    rateLimits: false,
  })

  const routes = new MemoryAccountRoutes()
  await app.register(entrywayProxy, {
    hosts: new MemoryHostDirectory([{ url: o.pdsUrl, internalUrl: null, did: o.pdsDid, status: 'enabled', healthy: true }]),
    accounts: routes,
    didResolver: o.didResolver,
    verifyAccessToken: (token) => verifyAccessToken(keyring, token),
    entrywayDid,
  })

  /** Adds an account, as a sign-up (the placement plugin) would. */
  async function addAccount(a: { did: string; handle: string; password: string }) {
    accounts.add({
      did: a.did,
      handle: a.handle,
      email: null,
      emailConfirmedAt: null,
      emailAuthFactor: false,
      passwordScrypt: await hashPassword(a.password),
      status: 'active',
      deactivatedAt: null,
      host: { id: 1, url: o.pdsUrl, did: o.pdsDid },
    })
    routes.set(a.did, o.pdsUrl, a.handle)
  }

  return { app, keyring, mailer, addAccount }
}
