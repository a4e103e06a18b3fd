import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import type { RouteOptions } from 'fastify'
import { Secp256k1Keypair } from '@atproto/crypto'
import type { Database } from '@entryway/db'
import { AuthScope } from '@entryway/session'
import { buildGateway, envToCfg, envToSecrets, readEnv, type Gateway } from '../../src/index.js'
import {
  ADMIN_PASSWORD,
  BASIC_ADMIN,
  freePort,
  seedAccounts,
  type SeedUser,
} from '../in-process-gateway.js'
import type { KnownValues } from './lexicon-arbitraries.js'

// The gateway under fuzz: the whole app in-process on a real database, its routes collected as
// they are registered, its log captured, and a stub PLC + PDS on loopback (DID documents of the
// seeded accounts, a PDS that answers every forwarded call with a 2xx or a 4xx of its own).

export const ALICE: SeedUser = {
  did: 'did:plc:fuzzaliceaaaaaaaaaaaaaaa',
  handle: 'alice.example.test',
  password: 'alice-pass',
  email: 'alice@mail.test',
}
export const BOB: SeedUser = {
  did: 'did:plc:fuzzbobbbbbbbbbbbbbbbbbb',
  handle: 'bob.example.test',
  password: 'bob-pass',
  email: 'bob@mail.test',
}
const PDS_DID = 'did:web:pds1.test'

export interface CollectedRoute {
  method: string
  url: string
}

export interface LogLine {
  level: number
  msg?: string
  [k: string]: unknown
}

/** The credentials a request may carry; fresh ones are minted by `restore()`. */
export interface Credentials {
  access: string
  appPassword: string
  refresh: string
  adminBasic: string
  portalCookie: string
  portalCsrf: string
  serviceJwt(lxm: string): Promise<string>
}

export interface FuzzTarget {
  gw: Gateway
  url: string
  routes: CollectedRoute[]
  known: KnownValues
  creds: Credentials
  /** Log lines at error level or above since the last `takeErrors()`. */
  takeErrors(): LogLine[]
  /** Rows per table, for the "a refused request writes nothing" check. */
  countRows(): Promise<Map<string, number>>
  /** Puts the seeded accounts back as they were and mints fresh credentials. */
  restore(): Promise<void>
  close(): Promise<void>
}

/** The stub PDS's answer to a forwarded call: derived from the request, so a run replays alike. */
const PDS_ANSWERS = [200, 400, 401, 403, 404, 413, 429] as const

function stubUpstream(didDocs: Map<string, object>): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = req.url ?? '/'
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (url === '/xrpc/_health') return send(200, { version: '0.5.35' })
      // the Entryway's own calls (admin password) and the fleet listing are served as a PDS would
      if (req.headers.authorization?.startsWith('Basic ')) return send(200, {})
      if (url.startsWith('/xrpc/com.atproto.sync.listRepos')) return send(200, { repos: [] })
      if (url.startsWith('/xrpc/')) {
        // a forwarded call: the answer is the PDS's own (marked, so its body shape is not ours)
        res.setHeader('x-stub-pds', '1')
        const h = createHash('sha256').update(url).update(Buffer.concat(chunks)).digest()
        const status = PDS_ANSWERS[h[0]! % PDS_ANSWERS.length]!
        return send(
          status,
          status === 200 ? {} : { error: 'StubRefusal', message: `stub PDS answered ${status}` },
        )
      }
      // PLC: GET /<did> is the document, /<did>/data the current operation's data; POST takes an op
      const did = decodeURIComponent(url.slice(1).split('/')[0] ?? '')
      const doc = didDocs.get(did)
      if (!doc) return send(404, { message: `DID not registered: ${did}` })
      if (req.method === 'POST') return send(200, {})
      if (url.endsWith('/data'))
        return send(200, {
          did,
          rotationKeys: [],
          verificationMethods: {},
          alsoKnownAs: [],
          services: {},
        })
      if (url.endsWith('/log/last')) {
        return send(200, {
          type: 'plc_operation',
          rotationKeys: [],
          verificationMethods: {},
          alsoKnownAs: [],
          services: {},
          prev: null,
          sig: 'x',
        })
      }
      return send(200, doc)
    })
  })
}

const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')

export async function startFuzzTarget(database: Database): Promise<FuzzTarget> {
  const keys = new Map<string, Secp256k1Keypair>()
  const didDocs = new Map<string, object>()
  const upstream = stubUpstream(didDocs)
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`
  for (const u of [ALICE, BOB]) {
    const key = await Secp256k1Keypair.create()
    keys.set(u.did, key)
    didDocs.set(u.did, {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: u.did,
      alsoKnownAs: [`at://${u.handle}`],
      verificationMethod: [
        {
          id: `${u.did}#atproto`,
          type: 'Multikey',
          controller: u.did,
          publicKeyMultibase: key.did().slice('did:key:'.length),
        },
      ],
      service: [
        { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: upstreamUrl },
      ],
    })
  }
  await seedAccounts(database, [ALICE, BOB], upstreamUrl)

  // alice is a pds-admin of the portal (a session row is made for her below)
  const dir = mkdtempSync(join(tmpdir(), 'entryway-fuzz-'))
  const rbacFile = join(dir, 'rbac.yaml')
  writeFileSync(
    rbacFile,
    `roles:\n  pds-admin:\n    endpoints: ['com.atproto.admin.*', 'com.atproto.server.createInviteCode', 'com.atproto.server.createAccount', entryway.admin.readAudit]\nmembers:\n  ${ALICE.did}: [pds-admin]\n`,
  )

  const routes: CollectedRoute[] = []
  const onRoute = (r: RouteOptions) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
      if (method === 'HEAD' || method === 'OPTIONS') continue
      routes.push({ method, url: r.url })
    }
  }
  let errors: LogLine[] = []
  const logStream = {
    write(line: string) {
      const parsed = JSON.parse(line) as LogLine
      if (parsed.level >= 50) errors.push(parsed)
    },
  }
  const port = await freePort()
  const jwtKeyHex = '11'.repeat(32)
  const env = readEnv({
    ENTRYWAY_PORT: String(port),
    ENTRYWAY_PUBLIC_URL: `http://localhost:${port}`,
    ENTRYWAY_HANDLE_DOMAINS: '.example.test',
    ENTRYWAY_JWT_SIGNING_KEY_HEX: jwtKeyHex,
    ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
    ENTRYWAY_PDS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ENTRYWAY_PLC_URL: upstreamUrl,
    ENTRYWAY_ADMIN_RBAC_FILE: rbacFile,
    ENTRYWAY_LOG_LEVEL: 'warn',
  })
  const cfg = envToCfg(env)
  const gw = await buildGateway(cfg, envToSecrets(env), { database, logStream, onRoute })
  await gw.app.listen({ port, host: '127.0.0.1' })

  const tables = (
    await sql<{
      name: string
    }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'`.execute(
      database.db,
    )
  ).rows.map((r) => r.name)
  const countQuery = sql.raw(
    tables.map((t) => `select '${t}' as name, count(*)::int as n from "${t}"`).join(' union all '),
  )

  const cookieSecret = Buffer.from(
    hkdfSync('sha256', Buffer.from(jwtKeyHex, 'hex'), 'entryway', 'admin portal cookie', 32),
  ).toString('base64url')
  const signCookie = (v: string) =>
    `${v}.${createHmac('sha256', cookieSecret).update(v).digest('base64').replace(/=+$/, '')}`

  const creds: Credentials = {
    access: '',
    appPassword: '',
    refresh: '',
    adminBasic: BASIC_ADMIN,
    portalCookie: '',
    portalCsrf: '',
    async serviceJwt(lxm) {
      const now = Math.floor(Date.now() / 1000)
      const unsigned = `${b64url({ typ: 'JWT', alg: 'ES256K' })}.${b64url({ iss: ALICE.did, aud: cfg.service.did, lxm, iat: now, exp: now + 60, jti: randomBytes(8).toString('hex') })}`
      const sig = await keys.get(ALICE.did)!.sign(new TextEncoder().encode(unsigned))
      return `${unsigned}.${Buffer.from(sig).toString('base64url')}`
    },
  }

  const db = database.db
  async function restore(): Promise<void> {
    const now = new Date().toISOString()
    const host = await db
      .selectFrom('pds_host')
      .select('id')
      .where('did', '=', PDS_DID)
      .executeTakeFirst()
    if (!host) {
      await seedAccounts(database, [ALICE, BOB], upstreamUrl).catch(() => {})
    } else {
      await db
        .updateTable('pds_host')
        .set({ status: 'enabled', healthy: true })
        .where('id', '=', host.id)
        .execute()
      for (const u of [ALICE, BOB]) {
        const row = await db
          .selectFrom('account')
          .select('did')
          .where('did', '=', u.did)
          .executeTakeFirst()
        if (!row) {
          const { hashPassword } = await import('@entryway/session')
          await db
            .insertInto('account')
            .values({
              did: u.did,
              handle: u.handle,
              email: u.email!,
              emailConfirmedAt: now,
              emailAuthFactor: false,
              passwordScrypt: await hashPassword(u.password),
              hostId: host.id,
              status: 'active',
              takedownRef: null,
              deactivatedAt: null,
              invitesDisabled: false,
              createdAt: now,
              updatedAt: now,
            })
            .execute()
        } else {
          await db
            .updateTable('account')
            .set({ status: 'active', takedownRef: null, deactivatedAt: null, handle: u.handle })
            .where('did', '=', u.did)
            .execute()
        }
      }
    }
    const s = await gw.ctx.sessionIssuer.issue({ did: ALICE.did, pdsDid: PDS_DID })
    const app = await gw.ctx.sessionIssuer.issue({
      did: ALICE.did,
      pdsDid: PDS_DID,
      scope: AuthScope.AppPass,
      appPasswordName: 'fuzz-app',
    })
    creds.access = s.accessJwt
    creds.refresh = s.refreshJwt
    creds.appPassword = app.accessJwt
    const sessionId = randomBytes(32).toString('base64url')
    creds.portalCsrf = randomBytes(32).toString('base64url')
    await db
      .insertInto('admin_session')
      .values({
        id: sessionId,
        did: ALICE.did,
        csrfToken: creds.portalCsrf,
        createdAt: now,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      })
      .execute()
    creds.portalCookie = `entryway_admin=${signCookie(sessionId)}`
  }
  await restore()

  return {
    gw,
    url: `http://127.0.0.1:${port}`,
    routes,
    creds,
    known: {
      dids: [ALICE.did, BOB.did, PDS_DID, cfg.service.did],
      handles: [ALICE.handle, BOB.handle],
      emails: [ALICE.email!, BOB.email!],
      strings: [ALICE.password, 'fuzz-app', upstreamUrl, 'enabled', 'draining'],
    },
    takeErrors() {
      const out = errors
      errors = []
      return out
    },
    async countRows() {
      const r = await countQuery.execute(db)
      return new Map((r.rows as { name: string; n: number }[]).map((x) => [x.name, Number(x.n)]))
    },
    restore,
    async close() {
      await gw.app.close()
      await new Promise((r) => upstream.close(r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
