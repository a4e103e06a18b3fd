import t from 'tap'
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { Secp256k1Keypair } from '@atproto/crypto'
import { openDatabase } from '@entryway/db'
import { registerEntryway } from '../src/entryway.js'

// The four plugins in an existing app, on the embedded PGlite (the same kysely stores as Postgres).
// The whole journey against real PDSes, from the published tarballs on real Postgres, is
// apps/gateway/test/packed-install-e2e.test.ts.
const hexKey = async () =>
  Buffer.from(await (await Secp256k1Keypair.create({ exportable: true })).export()).toString('hex')

t.test(
  'placement, session, proxy and admin-rbac register in an existing Fastify app',
  async (t) => {
    const database = await openDatabase()
    await database.migrateToLatest()
    const app = Fastify({ logger: false })
    t.teardown(async () => {
      await app.close()
      await database.close()
    })
    app.get('/hello', async () => ({ hello: 'from your own app' }))
    await registerEntryway(app, {
      database,
      publicUrl: 'http://localhost:2583',
      did: 'did:web:localhost%3A2583',
      plcUrl: 'http://127.0.0.1:1',
      jwtSigningKeyHex: await hexKey(),
      plcRotationKeyHex: await hexKey(),
      pdsAdminPassword: 'admin-password',
      hosts: [],
      handleDomains: ['.test'],
      rbacYaml:
        'roles:\n  admin:\n    endpoints: ["com.atproto.admin.*"]\nmembers:\n  did:plc:ewvi7nxzyoun6zhxrhs64oiz: [admin]\n',
      auditKey: randomBytes(32),
      mailer: { send: async () => {} },
    })

    t.same(
      (await app.inject('/hello')).json(),
      { hello: 'from your own app' },
      'the host app keeps its own routes',
    )
    const login = await app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.server.createSession',
      payload: { identifier: 'nobody.test', password: 'nope' },
    })
    t.equal(login.statusCode, 401, 'session answers createSession')
    t.equal(login.json().error, 'AuthenticationRequired')
    const signup = await app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.server.createAccount',
      payload: { handle: 'bad handle', password: 'x' },
    })
    t.equal(signup.statusCode, 400, 'placement answers createAccount')
    t.equal(signup.json().error, 'InvalidHandle')
    const portal = await app.inject('/admin/login')
    t.equal(portal.statusCode, 200, 'admin-rbac serves its sign-in page')
    const proxied = await app.inject(
      '/xrpc/com.atproto.repo.describeRepo?repo=did:plc:unknownunknownunknown0',
    )
    t.equal(
      proxied.json().error !== undefined,
      true,
      `the proxy answers other XRPC calls (${proxied.statusCode} ${proxied.body})`,
    )
  },
)
