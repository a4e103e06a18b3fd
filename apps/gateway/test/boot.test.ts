import t from 'tap'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

const env = readEnv({
  ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
  ENTRYWAY_DID: 'did:web:entryway.test',
  ENTRYWAY_HANDLE_DOMAINS: '.example.test',
  ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'admin-pass',
})

t.test('health and describeServer answer on an embedded database', async (t) => {
  const { app } = await buildGateway(envToCfg(env), envToSecrets(env), { logger: false })
  t.teardown(() => app.close())
  const health = await app.inject({ url: '/xrpc/_health' })
  t.equal(health.statusCode, 200)
  t.ok(health.json().version)
  const desc = await app.inject({ url: '/xrpc/com.atproto.server.describeServer' })
  t.equal(desc.statusCode, 200)
  t.match(desc.json(), { did: 'did:web:entryway.test', availableUserDomains: ['.example.test'], inviteCodeRequired: false })
})

t.test('config refuses a public URL with a path (PDSes would crash on it as OAuth issuer)', async (t) => {
  t.throws(() => envToCfg(readEnv({ ENTRYWAY_PUBLIC_URL: 'http://localhost:1/x' })), /origin/)
})

t.test('secrets are required', async (t) => {
  t.throws(() => envToSecrets(readEnv({})), /SIGNING_KEY/)
})
