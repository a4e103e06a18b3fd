import t from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { hashPassword } from '@entryway/session'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

// Through the whole gateway on each database: 10 parallel refreshes of one token give one successor.
const env = readEnv({
  ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
  ENTRYWAY_DID: 'did:web:entryway.test',
  ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'admin-pass',
  ENTRYWAY_INCLUDE_DID_DOC: 'false',
})
const decode = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(
    `refresh rotation through the gateway on ${target.name}`,
    { skip: target.skip },
    async (t) => {
      const database = await target.open()
      t.teardown(() => database.close())
      const { app } = await buildGateway(envToCfg(env), envToSecrets(env), {
        database,
        logger: false,
      })
      t.teardown(() => app.close())
      const now = new Date().toISOString()
      const host = await database.db
        .insertInto('pds_host')
        .values({
          url: 'http://localhost:1',
          did: 'did:web:pds1.test',
          status: 'enabled',
          createdAt: now,
          updatedAt: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await database.db
        .insertInto('account')
        .values({
          did: 'did:plc:alice',
          handle: 'alice.test',
          email: 'alice@mail.test',
          emailConfirmedAt: null,
          emailAuthFactor: false,
          passwordScrypt: await hashPassword('pw'),
          hostId: host.id,
          status: 'active',
          createdAt: now,
          updatedAt: now,
        })
        .execute()
      const login = await app.inject({
        method: 'POST',
        url: '/xrpc/com.atproto.server.createSession',
        payload: { identifier: 'alice.test', password: 'pw' },
      })
      t.equal(login.statusCode, 200)
      t.equal(decode(login.json().accessJwt).aud, 'did:web:pds1.test')
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          app.inject({
            method: 'POST',
            url: '/xrpc/com.atproto.server.refreshSession',
            headers: { authorization: `Bearer ${login.json().refreshJwt}` },
          }),
        ),
      )
      t.same(
        results.map((r) => r.statusCode),
        Array(10).fill(200),
      )
      t.equal(new Set(results.map((r) => decode(r.json().refreshJwt).jti)).size, 1, 'one successor')
      const rows = await database.db
        .selectFrom('refresh_token')
        .select('id')
        .where('did', '=', 'did:plc:alice')
        .execute()
      t.equal(rows.length, 2)
      const out = await app.inject({
        method: 'POST',
        url: '/xrpc/com.atproto.server.deleteSession',
        headers: { authorization: `Bearer ${results[0]!.json().refreshJwt}` },
      })
      t.equal(out.statusCode, 200)
      const again = await app.inject({
        method: 'POST',
        url: '/xrpc/com.atproto.server.refreshSession',
        headers: { authorization: `Bearer ${login.json().refreshJwt}` },
      })
      t.equal(again.json().error, 'ExpiredToken')
    },
  )
}
