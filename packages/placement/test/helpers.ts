import Fastify, { type FastifyInstance } from 'fastify'
import { Secp256k1Keypair } from '@atproto/crypto'
import { AuthRequiredError, xrpcErrorHandler } from '@entryway/xrpc'
import {
  MemoryHostRegistry,
  MemoryPlacementStore,
  entrywayPlacement,
  UpstreamCallError,
  type PdsClient,
  type PlacementOptions,
  type PlcClient,
} from '../src/index.js'

/** A PDS double: records calls; each method can be made to fail once or always. */
export class FakePds implements PdsClient {
  calls: string[] = []
  accounts = new Map<string, string>() // did → handle
  fail: Partial<
    Record<'reserve' | 'create' | 'delete' | 'updateHandle' | 'check', UpstreamCallError>
  > = {}
  /** createAccount succeeds on the PDS but the answer is lost. */
  createThenFail: UpstreamCallError | null = null
  hasAccountAnswer: boolean | null | undefined = undefined
  plc: FakePlc | null = null
  private n = 0

  async reserveSigningKey(): Promise<string> {
    this.calls.push('reserve')
    if (this.fail.reserve) throw this.fail.reserve
    return (await Secp256k1Keypair.create()).did()
  }
  async createAccount(_h: unknown, input: { did: string; handle: string; plcOp: unknown }) {
    this.calls.push('create')
    if (this.fail.create) throw this.fail.create
    this.accounts.set(input.did, input.handle)
    this.plc?.dids.add(input.did)
    if (this.createThenFail) throw this.createThenFail
    return { didDoc: { id: input.did, n: ++this.n } }
  }
  async hasAccount(_h: unknown, did: string) {
    this.calls.push('has')
    return this.hasAccountAnswer === undefined ? this.accounts.has(did) : this.hasAccountAnswer
  }
  async deleteAccount(_h: unknown, did: string) {
    this.calls.push('delete')
    if (this.fail.delete) throw this.fail.delete
    this.accounts.delete(did)
  }
  async updateAccountHandle(_h: unknown, did: string, handle: string) {
    this.calls.push('updateHandle')
    if (this.fail.updateHandle) throw this.fail.updateHandle
    this.accounts.set(did, handle)
  }
  async check() {
    if (this.fail.check) throw this.fail.check
    return { version: '0.4.0', did: null }
  }
}

export class FakePlc implements PlcClient {
  dids = new Set<string>()
  tombstoned = new Set<string>()
  handles = new Map<string, string>()
  down = false
  async exists(did: string) {
    if (this.down) return null
    return this.dids.has(did) && !this.tombstoned.has(did)
  }
  async updateHandle(did: string, _k: unknown, handle: string) {
    if (this.down) throw new UpstreamCallError('unreachable', 'plc down')
    this.handles.set(did, handle)
  }
  async tombstone(did: string) {
    if (this.down) throw new UpstreamCallError('unreachable', 'plc down')
    this.tombstoned.add(did)
  }
}

export const unreachable = () => new UpstreamCallError('unreachable', 'connect ECONNREFUSED')
export const timeout = () => new UpstreamCallError('timeout', 'timed out')
export const rejected = (status = 400, name = 'InvalidRequest') =>
  new UpstreamCallError('rejected', `answered ${status}`, status, name)

export interface Built {
  app: FastifyInstance
  store: MemoryPlacementStore
  hosts: MemoryHostRegistry
  pds: FakePds
  plc: FakePlc
  issued: Array<{ did: string; pdsDid: string }>
}

export const ADMIN = `Basic ${Buffer.from('admin:admin-pass').toString('base64')}`

/**
 * The plugin on in-memory stores with fake PDS and PLC. Users authenticate with
 * `Authorization: Bearer user:<did>[:service]`, the admin with ADMIN.
 */
export async function build(
  t: { teardown(fn: () => unknown): void },
  over: Partial<PlacementOptions> & { hostCount?: number } = {},
): Promise<Built> {
  const store = new MemoryPlacementStore()
  const hosts = new MemoryHostRegistry(() => store.counts())
  for (let i = 1; i <= (over.hostCount ?? 2); i++) {
    const h = await hosts.add({
      url: `http://pds${i}.test`,
      did: `did:web:pds${i}.test`,
      status: 'enabled',
    })
    await hosts.recordHealth(h.id, { ok: true, at: new Date().toISOString() }, 1)
  }
  const pds = new FakePds()
  const plc = new FakePlc()
  pds.plc = plc
  const issued: Built['issued'] = []
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  await app.register(entrywayPlacement, {
    handleDomains: ['.test'],
    rotationKey: await Secp256k1Keypair.create(),
    hosts,
    signups: store,
    accounts: store,
    invites: store,
    pds,
    plc,
    requestKeySecret: 'a-test-secret-of-some-length',
    healthCheckIntervalMs: 0,
    reconcileIntervalMs: 0,
    retryWaitMs: 2_000,
    auth: {
      async user(req, nsid) {
        const m = /^Bearer user:(did:[^:]+:[^:]+)(:service)?$/.exec(req.headers.authorization ?? '')
        if (!m) throw new AuthRequiredError()
        void nsid
        return { did: m[1]!, via: m[2] ? 'service' : 'access' }
      },
      admin(req) {
        if (req.headers.authorization !== ADMIN)
          throw new AuthRequiredError('Admin credentials required')
      },
    },
    sessions: {
      async issue(input) {
        issued.push(input)
        return { accessJwt: `access:${input.did}`, refreshJwt: `refresh:${input.did}` }
      },
    },
    ...over,
  })
  t.teardown(() => app.close())
  await app.ready()
  return { app, store, hosts, pds, plc, issued }
}

export function signup(app: FastifyInstance, body: Record<string, unknown>) {
  return app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.server.createAccount',
    payload: body,
  })
}

export const alice = { handle: 'alice.test', email: 'alice@example.com', password: 'hunter2' }
