import t from 'tap'
import { createServer, type Server } from 'node:http'
import { testDatabaseTargets, type Database } from '@entryway/db'
import { hashPassword } from '@entryway/session'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'
import { RawClient, headlessAuthorize } from '../../../packages/oauth/test/raw-client.js'

// A takedown through the Entryway's admin.updateSubjectStatus ends the account's OAuth sessions
// too (the session plugin's hook, wired to the OAuth server). The PDS is a stub that accepts the
// admin call; moderation-e2e.test.ts runs the same route against a real PDS.

const ALICE = { did: 'did:plc:alice0000000000000000000', handle: 'alice.example.test', password: 'alice-pass' }
const BOB = { did: 'did:plc:bob00000000000000000000', handle: 'bob.example.test', password: 'bob-pass' }
const ADMIN_PASSWORD = 'admin-pass'
const BASIC = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`

async function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)))
}

/** Answers admin.updateSubjectStatus as a PDS would, for the right Basic admin only. */
function stubPds(calls: string[]): Server {
  return createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      calls.push(`${req.method} ${req.url?.split('?')[0]}`)
      if (!req.url?.includes('admin')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"stub"}')
      res.setHeader('content-type', 'application/json')
      if (req.headers.authorization !== BASIC) return res.writeHead(401).end(JSON.stringify({ error: 'AuthenticationRequired' }))
      const input = JSON.parse(body || '{}') as { subject?: unknown; takedown?: unknown }
      res.writeHead(200).end(JSON.stringify({ subject: input.subject, takedown: input.takedown }))
    })
  })
}

async function seed(database: Database, pdsUrl: string) {
  const now = new Date().toISOString()
  const host = await database.db
    .insertInto('pds_host')
    .values({ url: pdsUrl, did: 'did:web:pds1.test', status: 'enabled', weight: 1, healthy: true, consecutiveFailures: 0, createdAt: now, updatedAt: now, internalUrl: null, accountCap: null, lastCheckAt: null, lastError: null, version: null })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const u of [ALICE, BOB]) {
    await database.db
      .insertInto('account')
      .values({ did: u.did, handle: u.handle, email: `${u.handle}@mail.test`, emailConfirmedAt: now, emailAuthFactor: false, passwordScrypt: await hashPassword(u.password), hostId: host.id, status: 'active', takedownRef: null, deactivatedAt: null, invitesDisabled: false, createdAt: now, updatedAt: now })
      .execute()
  }
}

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(`${target!.name}: a takedown ends that account's OAuth sessions, not others'`, async (t) => {
  const calls: string[] = []
  const pds = stubPds(calls)
  const pdsPort = await listen(pds)
  t.teardown(() => new Promise<void>((r) => pds.close(() => r())))
  const database = await target!.open()
  t.teardown(() => database.close())
  await seed(database, `http://127.0.0.1:${pdsPort}`)
  const probe = createServer()
  const port = await listen(probe)
  await new Promise<void>((r) => probe.close(() => r()))
  const env = readEnv({
    ENTRYWAY_PORT: String(port),
    ENTRYWAY_PUBLIC_URL: `http://localhost:${port}`,
    ENTRYWAY_HANDLE_DOMAINS: '.example.test',
    ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
    ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
    ENTRYWAY_PDS_ADMIN_PASSWORD: ADMIN_PASSWORD,
  })
  const gw = await buildGateway(envToCfg(env), envToSecrets(env), { logger: false, database })
  t.teardown(() => gw.app.close())
  await gw.app.listen({ port, host: '127.0.0.1' })

  const client = await RawClient.create(`http://localhost:${port}`)
  const signIn = async (u: typeof ALICE) => {
    const { requestUri, verifier } = await client.par()
    const r = await headlessAuthorize(client.issuer, client.authorizeUrl(requestUri), { username: u.handle, password: u.password })
    const tok = await client.exchange(r.code!, verifier)
    t.equal(tok.status, 200, `${u.handle} signed in`)
    return tok.json.refresh_token as string
  }
  const alice = await signIn(ALICE)
  const bob = await signIn(BOB)

  const res = await gw.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.admin.updateSubjectStatus',
    headers: { authorization: BASIC },
    payload: { subject: { $type: 'com.atproto.admin.defs#repoRef', did: ALICE.did }, takedown: { applied: true, ref: 'T-1' } },
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(calls.filter((c) => c.includes('admin')), ['POST /xrpc/com.atproto.admin.updateSubjectStatus'], 'the PDS was asked, with the admin password')
  const row = await database.db.selectFrom('account').select(['status', 'takedownRef']).where('did', '=', ALICE.did).executeTakeFirstOrThrow()
  t.same(row, { status: 'takendown', takedownRef: 'T-1' })
  const denied = await client.refresh(alice)
  t.equal(denied.status, 400)
  t.equal(denied.json.error, 'invalid_grant', "alice's OAuth refresh fails at once")
  t.equal((await database.db.selectFrom('oauth_token').select('id').where('did', '=', ALICE.did).execute()).length, 0)
  t.equal((await client.refresh(bob)).status, 200, "bob's session is untouched")
})
