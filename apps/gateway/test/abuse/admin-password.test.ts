import t from 'tap'
import { ADMIN_PASSWORD } from '../in-process-gateway.js'
import { abuseGateway, basic, repeat } from './helpers.js'

// Finding 10: the admin Basic password had no brute-force limit (80 wrong → 80 × 401). Wrong
// passwords are now counted per client address on every route that takes it: the Entryway's own
// admin routes, com.entryway.admin.*, and admin calls on their way through the proxy (refused
// there, never forwarded). Once an address has spent its failures, even the right password waits.

t.test('wrong admin passwords are limited per address across every admin route', async (t) => {
  const g = await abuseGateway(t)
  const ip = '203.0.113.40'
  const wrong = basic('not-the-password')
  const tries = [
    () =>
      g.post(
        'com.atproto.admin.updateAccountPassword',
        { did: 'did:plc:x', password: 'y' },
        { ip, auth: wrong },
      ),
    () => g.get('com.entryway.admin.listHosts', { ip, auth: wrong }),
    // not an Entryway route: the proxy would forward it to a PDS
    () => g.get('com.atproto.admin.getAccountInfos', { ip, auth: wrong, query: 'dids=did:plc:x' }),
  ]
  const codes = await repeat(80, (i) => tries[i % 3]!())
  t.same(
    codes.slice(0, 10),
    Array(10).fill(401),
    'the first 10 wrong passwords, whatever the route: 401',
  )
  t.same(codes.slice(10), Array(70).fill(429), 'then 429')
  const right = await g.get('com.entryway.admin.listHosts', { ip, auth: basic(ADMIN_PASSWORD) })
  t.equal(right.status, 429, 'the locked-out address waits, right password or not')
  const elsewhere = await g.get('com.entryway.admin.listHosts', {
    ip: '198.51.100.40',
    auth: basic(ADMIN_PASSWORD),
  })
  t.equal(elsewhere.status, 200, 'the operator elsewhere is not locked out')
})

t.test(
  'a wrong admin password on an admin method is refused at the Entryway, never forwarded',
  async (t) => {
    const g = await abuseGateway(t)
    const res = await g.get('com.atproto.admin.getAccountInfos', {
      ip: '203.0.113.41',
      auth: basic('nope'),
      query: 'dids=did:plc:x',
    })
    t.equal(res.status, 401)
    t.equal(
      res.body.error,
      'AuthenticationRequired',
      'XRPC-shaped, from the Entryway (no PDS is reachable here)',
    )
    // every com.atproto.admin.* method is the Entryway's own now (#16): without credentials it is a 401 too
    const anonymous = await g.get('com.atproto.admin.getAccountInfos', {
      ip: '203.0.113.41',
      query: 'dids=did:plc:x',
    })
    t.equal(anonymous.status, 401, 'without credentials: 401')
    t.equal(anonymous.body.error, 'AuthenticationRequired')
  },
)
