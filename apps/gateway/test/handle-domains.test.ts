import t from 'tap'
import { openDatabase } from '@entryway/db'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'
import { ADMIN_PASSWORD, seedAccounts } from './in-process-gateway.js'

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'pw-alice',
}
const GONE = {
  did: 'did:plc:gone00000000000000000000',
  handle: 'gone.example.test',
  password: 'pw-gone',
}

async function build(t: { teardown(fn: () => unknown): void }, extra: Record<string, string> = {}) {
  const database = await openDatabase()
  await database.migrateToLatest()
  t.teardown(() => database.close())
  await seedAccounts(database, [ALICE, GONE])
  await database.db
    .updateTable('account')
    .set({ status: 'takendown' })
    .where('did', '=', GONE.did)
    .execute()
  const env = readEnv({
    ENTRYWAY_PUBLIC_URL: 'https://entryway.example.test',
    ENTRYWAY_HANDLE_DOMAINS: '.example.test',
    ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
    ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
    ENTRYWAY_PDS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...extra,
  })
  const { app } = await buildGateway(envToCfg(env), envToSecrets(env), { logger: false, database })
  t.teardown(() => app.close())
  return app
}

t.test('/tls/ask: yes for the service host and live handles, no for anything else', async (t) => {
  const app = await build(t)
  const ask = async (domain: string) =>
    (await app.inject({ url: `/tls/ask?domain=${encodeURIComponent(domain)}` })).statusCode
  t.equal(await ask('entryway.example.test'), 200, 'the service host')
  t.equal(await ask('alice.example.test'), 200, 'a handle of an account')
  t.equal(await ask('ALICE.example.test'), 200, 'case-insensitive, as handles are')
  t.equal(await ask('bob.example.test'), 404, 'no such account')
  t.equal(await ask('gone.example.test'), 404, 'a taken-down account')
  t.equal(await ask('alice.example.org'), 404, 'outside the handle domains')
  t.equal(await ask('example.test'), 404, 'the bare domain is no handle here')
  t.equal(await ask(''), 404, 'no domain')
})

t.test(
  "/ on a handle's domain redirects to the configured profile URL; elsewhere 404",
  async (t) => {
    const app = await build(t, {
      ENTRYWAY_HANDLE_PROFILE_URL: 'https://bsky.app/profile/{did}?h={handle}',
    })
    const res = await app.inject({ url: '/', headers: { host: 'alice.example.test' } })
    t.equal(res.statusCode, 302)
    t.equal(
      res.headers.location,
      `https://bsky.app/profile/${encodeURIComponent(ALICE.did)}?h=alice.example.test`,
    )
    t.equal(
      (await app.inject({ url: '/', headers: { host: 'gone.example.test' } })).statusCode,
      404,
      'taken down',
    )
    t.equal(
      (await app.inject({ url: '/', headers: { host: 'entryway.example.test' } })).statusCode,
      404,
      'the service host',
    )
    const off = await build(t)
    t.equal(
      (await off.inject({ url: '/', headers: { host: 'alice.example.test' } })).statusCode,
      404,
      'no profile URL configured',
    )
  },
)

t.test(
  '/.well-known/oauth-protected-resource names the Entryway as authorization server',
  async (t) => {
    const app = await build(t)
    const res = await app.inject({ url: '/.well-known/oauth-protected-resource' })
    t.equal(res.statusCode, 200)
    t.match(res.json(), {
      resource: 'https://entryway.example.test',
      authorization_servers: ['https://entryway.example.test'],
    })
  },
)
