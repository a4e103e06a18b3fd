import t from 'tap'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

const RAW_ENV = {
  ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
  ENTRYWAY_DID: 'did:web:entryway.test',
  ENTRYWAY_HANDLE_DOMAINS: '.example.test',
  ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
  ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
  ENTRYWAY_PDS_ADMIN_PASSWORD: 'admin-pass',
}
const env = readEnv(RAW_ENV)

t.test('health and describeServer answer on an embedded database', async (t) => {
  const { app } = await buildGateway(envToCfg(env), envToSecrets(env), { logger: false })
  t.teardown(() => app.close())
  const health = await app.inject({ url: '/xrpc/_health' })
  t.equal(health.statusCode, 200)
  t.ok(health.json().version)
  const desc = await app.inject({ url: '/xrpc/com.atproto.server.describeServer' })
  t.equal(desc.statusCode, 200)
  t.match(desc.json(), {
    did: 'did:web:entryway.test',
    availableUserDomains: ['.example.test'],
    inviteCodeRequired: false,
  })
})

t.test(
  'config refuses a public URL with a path (PDSes would crash on it as OAuth issuer)',
  async (t) => {
    t.throws(() => envToCfg(readEnv({ ENTRYWAY_PUBLIC_URL: 'http://localhost:1/x' })), /origin/)
  },
)

t.test('ENTRYWAY_TRUST_PROXY: true, false or addresses; req.ip follows it', async (t) => {
  const trust = (v?: string) =>
    envToCfg(
      readEnv({
        ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
        ...(v === undefined ? {} : { ENTRYWAY_TRUST_PROXY: v }),
      }),
    ).service.trustProxy
  t.equal(trust(), 'loopback')
  t.equal(trust('true'), true)
  t.equal(trust('false'), false)
  t.equal(trust('10.0.0.0/8, 127.0.0.1'), '10.0.0.0/8, 127.0.0.1')
  for (const [value, expected] of [
    ['false', '127.0.0.1'],
    ['true', '203.0.113.9'],
  ] as const) {
    const e = readEnv({ ...RAW_ENV, ENTRYWAY_TRUST_PROXY: value })
    const { app } = await buildGateway(envToCfg(e), envToSecrets(e), { logger: false })
    app.get('/ip-probe', async (req) => ({ ip: req.ip }))
    const res = await app.inject({
      url: '/ip-probe',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    })
    await app.close()
    t.equal(res.json().ip, expected, `trust ${value}`)
  }
})

t.test('secrets are required', async (t) => {
  t.throws(() => envToSecrets(readEnv({})), /SIGNING_KEY/)
})
