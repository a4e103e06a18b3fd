import t from 'tap'
import { createServer } from 'node:net'
import { testDatabaseTargets, type Database } from '@entryway/db'
import { hashPassword } from '@entryway/session'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'
import { RawClient, headlessAuthorize } from '../../../packages/oauth/test/raw-client.js'

// The gateway wires the session plugin's onRevokeAccountSessions to the OAuth server: a password
// set by an admin ends the account's OAuth sessions at once (oauth-e2e.test.ts covers the rest
// against real PDSes; this one is quick and needs no fleet).

const ALICE = { did: 'did:plc:alice0000000000000000000', handle: 'alice.example.test', password: 'alice-pass' }
const BOB = { did: 'did:plc:bob00000000000000000000', handle: 'bob.example.test', password: 'bob-pass' }
const ADMIN_PASSWORD = 'admin-pass'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

async function seed(database: Database) {
  const now = new Date().toISOString()
  const host = await database.db
    .insertInto('pds_host')
    .values({ url: 'http://localhost:1', did: 'did:web:pds1.test', status: 'enabled', weight: 1, healthy: true, consecutiveFailures: 0, createdAt: now, updatedAt: now, internalUrl: null, accountCap: null, lastCheckAt: null, lastError: null, version: null })
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

t.test(`${target!.name}: an admin password change ends that account's OAuth sessions, not others'`, async (t) => {
  const database = await target!.open()
  t.teardown(() => database.close())
  await seed(database)
  const port = await freePort()
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
    url: '/xrpc/com.atproto.admin.updateAccountPassword',
    headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
    payload: { did: ALICE.did, password: 'set-by-admin' },
  })
  t.equal(res.statusCode, 200)
  const denied = await client.refresh(alice)
  t.equal(denied.status, 400)
  t.equal(denied.json.error, 'invalid_grant', "alice's refresh fails at once")
  const rows = await database.db.selectFrom('oauth_token').select('id').where('did', '=', ALICE.did).execute()
  t.equal(rows.length, 0, "alice's OAuth sessions are gone")
  t.equal((await client.refresh(bob)).status, 200, "bob's session is untouched")
})
