import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { UpstreamFailureError, xrpcErrorHandler } from '@entryway/xrpc'
import {
  JwtKeyring,
  MemoryAccountStore,
  MemoryAppPasswordStore,
  MemoryEmailTokenStore,
  MemoryMailer,
  MemoryRefreshTokenStore,
  hashPassword,
  entrywaySession,
  type DidDocument,
  type PdsAdminCall,
  type PdsAdminClient,
  type PlcOperator,
  type PlcUpdate,
  type SessionAccount,
  type SessionPluginOptions,
} from '../src/index.js'

export const ENTRYWAY_DID = 'did:web:entryway.test'
export const ADMIN_PASSWORD = 'admin-pass'
export const HOST = { id: 1, url: 'http://localhost:2999', did: 'did:web:pds1.test' }

interface Tap {
  teardown(fn: () => unknown): void
}

export interface TestUser {
  did: string
  handle: string
  email: string
  password: string
  key: Secp256k1Keypair
}

export interface TestApp {
  app: FastifyInstance
  keyring: JwtKeyring
  accounts: MemoryAccountStore
  appPasswords: MemoryAppPasswordStore
  emailTokens: MemoryEmailTokenStore
  refreshTokens: MemoryRefreshTokenStore
  mailer: MemoryMailer
  pdsCalls: Array<{ op: string; did: string; deactivated?: boolean; call?: PdsAdminCall }>
  /** Answers of the fake PDS to forwarded admin calls (`forward`); default `{}`. */
  pdsForward: { answer: (nsid: string, call: PdsAdminCall) => unknown }
  plcCalls: Array<{ op: string; did: string; update?: PlcUpdate }>
  /** The fake PLC behind `plcCalls` (for an outbox worker's `sessionJobHandlers`). */
  plc: PlcOperator
  docs: Map<string, DidDocument>
  clock: { now: number }
  /** Makes the fake PDS admin API fail (as a PDS that refuses). */
  failPds: { on: boolean }
  addUser(
    o?: Partial<{
      handle: string
      email: string
      password: string
      confirmed: boolean
      emailAuthFactor: boolean
      status: SessionAccount['status']
    }>,
  ): Promise<TestUser>
  login(
    identifier: string,
    password: string,
    extra?: Record<string, unknown>,
  ): Promise<LightMyRequestResponse>
  serviceJwt(user: TestUser, lxm: string | null, aud?: string): Promise<string>
  lastCode(to: string): string
}

let counter = 0

/** requestPasswordReset mails after answering: lets that background work finish (memory stores). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export async function buildTestApp(
  t: Tap,
  overrides: Partial<SessionPluginOptions> = {},
): Promise<TestApp> {
  const { keyring } = await JwtKeyring.generate()
  const accounts = new MemoryAccountStore()
  const appPasswords = new MemoryAppPasswordStore()
  const emailTokens = new MemoryEmailTokenStore()
  const refreshTokens = new MemoryRefreshTokenStore()
  const mailer = new MemoryMailer()
  const pdsCalls: TestApp['pdsCalls'] = []
  const plcCalls: TestApp['plcCalls'] = []
  const docs = new Map<string, DidDocument>()
  const clock = { now: Date.now() }
  const failPds = { on: false }
  const pdsForward: TestApp['pdsForward'] = { answer: () => ({}) }
  const pdsAdmin: PdsAdminClient = {
    async setDeactivated(_host, did, deactivated) {
      if (failPds.on) throw Object.assign(new Error('pds down'), {})
      pdsCalls.push({ op: 'setDeactivated', did, deactivated })
    },
    async deleteAccount(_host, did) {
      if (failPds.on) throw new Error('pds down')
      pdsCalls.push({ op: 'deleteAccount', did })
    },
    async forward(host, nsid, call) {
      if (failPds.on) throw new UpstreamFailureError(`PDS unreachable for ${nsid}`)
      pdsCalls.push({ op: nsid, did: host.did, call })
      return pdsForward.answer(nsid, call)
    },
  }
  const plc: PlcOperator = {
    async signUpdate(did, update) {
      plcCalls.push({ op: 'signUpdate', did, update })
      return { type: 'plc_operation', prev: 'bafyprev', sig: 'sig', ...update }
    },
    async tombstone(did) {
      plcCalls.push({ op: 'tombstone', did })
    },
  }
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  await app.register(entrywaySession, {
    accounts,
    appPasswords,
    emailTokens,
    refreshTokens,
    keyring,
    entrywayDid: ENTRYWAY_DID,
    didResolver: { resolve: async (did) => docs.get(did) ?? null },
    mailer,
    serviceName: 'Example Social',
    pdsAdminPassword: ADMIN_PASSWORD,
    pdsAdmin,
    plc,
    now: () => clock.now,
    ...overrides,
  })
  t.teardown(() => app.close())

  const env: TestApp = {
    app,
    keyring,
    accounts,
    appPasswords,
    emailTokens,
    refreshTokens,
    mailer,
    pdsCalls,
    plcCalls,
    plc,
    docs,
    clock,
    failPds,
    pdsForward,
    async addUser(o = {}) {
      const n = ++counter
      const key = await Secp256k1Keypair.create()
      const did = `did:plc:user${n}${Math.random().toString(36).slice(2, 10)}`
      const handle = o.handle ?? `user${n}.test`
      const email = o.email ?? `user${n}@mail.test`
      const password = o.password ?? `hunter2-${n}`
      docs.set(did, {
        id: did,
        alsoKnownAs: [`at://${handle}`],
        verificationMethod: [
          {
            id: `${did}#atproto`,
            type: 'Multikey',
            controller: did,
            publicKeyMultibase: key.did().slice('did:key:'.length),
          },
        ],
        service: [
          { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: HOST.url },
        ],
      })
      accounts.add({
        did,
        handle,
        email,
        emailConfirmedAt: o.confirmed ? new Date(clock.now).toISOString() : null,
        emailAuthFactor: o.emailAuthFactor ?? false,
        passwordScrypt: await hashPassword(password),
        status: o.status ?? 'active',
        deactivatedAt: null,
        host: HOST,
      })
      return { did, handle, email, password, key }
    },
    login(identifier, password, extra = {}) {
      return app.inject({
        method: 'POST',
        url: '/xrpc/com.atproto.server.createSession',
        payload: { identifier, password, ...extra },
      })
    },
    async serviceJwt(user, lxm, aud = ENTRYWAY_DID) {
      return createServiceJwt({ iss: user.did, aud, lxm, keypair: user.key })
    },
    lastCode(to) {
      const msg = mailer.lastTo(to)
      const m = msg?.text.match(/[A-Z2-7]{5}-[A-Z2-7]{5}/)
      if (!m) throw new Error(`no code mailed to ${to}`)
      return m[0]
    },
  }
  return env
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
export const basicAdmin = (pw = ADMIN_PASSWORD) => ({
  authorization: `Basic ${Buffer.from(`admin:${pw}`).toString('base64')}`,
})
export const decodeJwt = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >
