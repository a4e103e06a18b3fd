import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { xrpcErrorHandler } from '@entryway/xrpc'
import {
  entrywayAdminRbac,
  AdminLoginError,
  MemoryAdminSessionStore,
  MemoryAuditCheckpoints,
  MemoryAuditLog,
  MemoryFleetDirectory,
  parseRbacPolicy,
  StaticRbacSource,
  type AdminLogin,
  type AdminRbacOptions,
  type EntrywayXrpc,
  type FleetHost,
  type PdsAdminXrpc,
  type XrpcCall,
} from '../src/index.js'

export const ADMIN_DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
export const MOD_DID = 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb'
export const INVITER_DID = 'did:plc:cccccccccccccccccccccccc'
export const STRANGER_DID = 'did:plc:dddddddddddddddddddddddd'
export const PDS1_MOD_DID = 'did:plc:eeeeeeeeeeeeeeeeeeeeeeee'
export const FLEET_DID = 'did:plc:ffffffffffffffffffffffff'
export const ALICE = 'did:plc:alicealicealicealicealic'
export const BOB = 'did:plc:bobbobbobbobbobbobbobbob'
/** The test portal's audit chain key. */
export const AUDIT_KEY = new Uint8Array(32).fill(9)

export const POLICY_YAML = `
roles:
  pds-admin:
    endpoints: ['com.atproto.admin.*', com.atproto.server.createInviteCode, com.atproto.server.createAccount, entryway.admin.readAudit]
  moderator:
    endpoints: [com.atproto.admin.getAccountInfo, com.atproto.admin.getSubjectStatus, com.atproto.admin.updateSubjectStatus]
  invite-manager:
    endpoints: [com.atproto.server.createInviteCode, com.atproto.admin.getInviteCodes, com.atproto.admin.disableInviteCodes]
  pds1-moderator:
    endpoints: [com.atproto.admin.updateSubjectStatus, com.entryway.admin.updateHost]
    hosts: [http://pds1.test]
  fleet-operator:
    endpoints: ['com.entryway.admin.*']
members:
  ${FLEET_DID}: [fleet-operator]
  ${ADMIN_DID}: [pds-admin]
  ${MOD_DID}: [moderator]
  ${INVITER_DID}: [invite-manager]
  ${PDS1_MOD_DID}: [pds1-moderator]
`

export const HOSTS: FleetHost[] = [
  {
    id: 1,
    url: 'http://pds1.test',
    did: 'did:web:pds1.test',
    baseUrl: 'http://pds1.internal',
    status: 'enabled',
  },
  {
    id: 2,
    url: 'http://pds2.test',
    did: 'did:web:pds2.test',
    baseUrl: 'http://pds2.internal',
    status: 'enabled',
  },
]

/** Signs in as whatever DID the form names: tests only, never wired in production. */
export class TestLogin implements AdminLogin {
  async start({ identifier }: { identifier: string }) {
    if (identifier === 'nobody.test') throw new AdminLoginError('No such account.')
    return { redirectUrl: `/admin/oauth/callback?test_did=${encodeURIComponent(identifier)}` }
  }
  async callback({ params }: { params: URLSearchParams }) {
    const did = params.get('test_did')
    if (!did) throw new AdminLoginError('missing')
    return { did }
  }
}

export interface Recorded {
  host?: string
  nsid: string
  call: XrpcCall
}

export interface Harness {
  app: FastifyInstance
  audit: MemoryAuditLog
  checkpoints: MemoryAuditCheckpoints
  sessions: MemoryAdminSessionStore
  pdsCalls: Recorded[]
  entrywayCalls: Recorded[]
  clock: { now: Date }
  login(did: string): Promise<Agent>
}

interface Tap {
  teardown(fn: () => unknown): void
}

/** Cookie-keeping client over inject. */
export class Agent {
  cookies = new Map<string, string>()
  constructor(readonly app: FastifyInstance) {}
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
  keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as {
      name: string
      value: string
      maxAge?: number
      expires?: Date
    }[]) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()))
        this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    return res
  }
  async get(url: string, headers: Record<string, string> = {}) {
    return this.keep(
      await this.app.inject({
        method: 'GET',
        url,
        headers: { cookie: this.cookieHeader(), ...headers },
      }),
    )
  }
  async form(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: {
          cookie: this.cookieHeader(),
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        payload: new URLSearchParams(fields).toString(),
      }),
    )
  }
  async json(url: string, body: unknown, headers: Record<string, string> = {}) {
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { cookie: this.cookieHeader(), ...headers },
        payload: body as object,
      }),
    )
  }
  /** The CSRF token of the current page's forms. */
  static csrf(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html)
    if (!m) throw new Error('no csrf field on the page')
    return m[1]!
  }
}

export async function buildHarness(t: Tap, over: Partial<AdminRbacOptions> = {}): Promise<Harness> {
  const audit = new MemoryAuditLog()
  const checkpoints = new MemoryAuditCheckpoints()
  const sessions = new MemoryAdminSessionStore()
  const pdsCalls: Recorded[] = []
  const entrywayCalls: Recorded[] = []
  const clock = { now: new Date('2026-09-01T12:00:00.000Z') }
  const pds: PdsAdminXrpc = {
    async call(host, nsid, call) {
      pdsCalls.push({ host: host.url, nsid, call })
      if (nsid === 'com.atproto.admin.getAccountInfos') {
        const dids = ([] as string[]).concat(call.params?.dids ?? [])
        return {
          status: 200,
          body: { infos: dids.map((did) => ({ did, handle: `${did.slice(8, 13)}.test` })) },
        }
      }
      return { status: 200, body: { ok: true, host: host.url } }
    },
  }
  const entryway: EntrywayXrpc = {
    async call(nsid, call) {
      entrywayCalls.push({ nsid, call })
      if (nsid === 'com.atproto.server.createInviteCode')
        return { status: 200, body: { code: 'entryway-test-abcde' } }
      if (nsid === 'com.atproto.server.createAccount')
        return {
          status: 200,
          body: { did: 'did:plc:new', accessJwt: 'secret-a', refreshJwt: 'secret-r' },
        }
      return { status: 200, body: {} }
    },
  }
  const app = Fastify({ logger: false })
  await app.register(xrpcErrorHandler)
  await app.register(entrywayAdminRbac, {
    rbac: new StaticRbacSource(parseRbacPolicy(POLICY_YAML)),
    publicUrl: 'http://localhost:2583',
    cookieSecret: 'x'.repeat(40),
    stores: { sessions, audit, checkpoints },
    auditKey: AUDIT_KEY,
    fleet: new MemoryFleetDirectory(HOSTS, [
      {
        did: ALICE,
        handle: 'alice.test',
        email: 'alice@example.com',
        hostId: 1,
        status: 'active',
        createdAt: '2026-01-01T00:00:00Z',
      },
      {
        did: BOB,
        handle: 'bob.test',
        email: null,
        hostId: 2,
        status: 'active',
        createdAt: '2026-01-01T00:00:00Z',
      },
    ]),
    pds,
    entryway,
    login: new TestLogin(),
    rateLimits: null,
    now: () => clock.now.getTime(),
    ...over,
  })
  t.teardown(() => app.close())
  const h: Harness = {
    app,
    audit,
    checkpoints,
    sessions,
    pdsCalls,
    entrywayCalls,
    clock,
    async login(did: string) {
      const a = new Agent(app)
      const page = await a.get('/admin/login')
      const res = await a.form('/admin/login', { _csrf: Agent.csrf(page.body), identifier: did })
      if (res.statusCode !== 303) throw new Error(`login start: ${res.statusCode} ${res.body}`)
      const cb = await a.get(res.headers.location as string)
      if (cb.statusCode !== 303 && cb.statusCode !== 403)
        throw new Error(`callback: ${cb.statusCode}`)
      return a
    },
  }
  return h
}
