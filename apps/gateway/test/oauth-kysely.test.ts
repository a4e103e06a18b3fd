import t from 'tap'

import { testDatabaseTargets } from '@entryway/db'
import { freePort, seedAccounts } from './in-process-gateway.js'
import { JwtKeyring } from '@entryway/session'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'
import { RawClient, headlessAuthorize, jose } from '../../../packages/oauth/test/raw-client.js'

const KEY_HEX = '11'.repeat(32)
const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(
    `${target.name}: a flow started on one instance finishes on another; refresh, replay and revoke`,
    { skip: target.skip },
    async (t) => {
      const database = await target.open()
      t.teardown(() => database.close())
      await seedAccounts(database, [{ ...ALICE, email: 'alice@mail.test' }])
      const port = await freePort()
      const env = readEnv({
        ENTRYWAY_PORT: String(port),
        ENTRYWAY_PUBLIC_URL: `http://localhost:${port}`,
        ENTRYWAY_SERVICE_NAME: 'Lab Entryway',
        ENTRYWAY_HANDLE_DOMAINS: '.example.test',
        ENTRYWAY_JWT_SIGNING_KEY_HEX: KEY_HEX,
        ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
        ENTRYWAY_PDS_ADMIN_PASSWORD: 'admin-pass',
      })
      const start = async () => {
        const gw = await buildGateway(envToCfg(env), envToSecrets(env), { logger: false, database })
        await gw.app.listen({ port, host: '127.0.0.1' })
        return gw
      }
      const a = await start()
      const client = await RawClient.create(`http://localhost:${port}`)
      const { requestUri, verifier } = await client.par()
      const r = await headlessAuthorize(client.issuer, client.authorizeUrl(requestUri), {
        username: ALICE.handle,
        password: ALICE.password,
      })
      t.ok(r.code, 'authorized on instance A')
      await a.app.close()

      const b = await start()
      t.teardown(() => b.app.close())
      // The DPoP nonce from A is accepted by B: both derive the secret from the same key.
      const tok = await client.exchange(r.code!, verifier)
      t.equal(tok.status, 200, 'code exchanged on instance B')
      const header = jose.decodeProtectedHeader(tok.json.access_token)
      t.same(header, { alg: 'ES256K', typ: 'at+jwt' })
      const keyring = await JwtKeyring.fromHex(KEY_HEX)
      const { d: _d, ...pub } = await keyring.signingJwk()
      const { payload } = await jose.jwtVerify(
        tok.json.access_token,
        await jose.importJWK(pub, 'ES256K'),
        { typ: 'at+jwt', issuer: client.issuer, audience: 'did:web:pds1.test' },
      )
      t.match(payload.jti, /^tok-[0-9a-f]{32}$/)

      const refreshed = await client.refresh(tok.json.refresh_token)
      t.equal(refreshed.status, 200, 'refresh works')
      const replayed = await client.refresh(tok.json.refresh_token)
      t.equal(replayed.json.error, 'invalid_grant', 'an old refresh token is refused')
      const again = await client.exchange(r.code!, verifier)
      t.equal(again.status, 400, 'a code works once')

      const r2 = await (async () => {
        const p = await client.par()
        const x = await headlessAuthorize(client.issuer, client.authorizeUrl(p.requestUri), {
          username: ALICE.handle,
          password: ALICE.password,
        })
        return client.exchange(x.code!, p.verifier)
      })()
      t.equal(r2.status, 200)
      await client.revoke(r2.json.refresh_token)
      const denied = await client.refresh(r2.json.refresh_token)
      t.equal(denied.json.error, 'invalid_grant', 'revoked: the next refresh fails')

      const wrong = await headlessAuthorize(
        client.issuer,
        client.authorizeUrl((await client.par()).requestUri),
        { username: ALICE.handle, password: 'nope' },
      )
      t.notOk(wrong.code, 'a wrong password gets no code')
    },
  )
}
