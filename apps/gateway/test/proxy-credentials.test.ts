import t from 'tap'
import type { IncomingHttpHeaders, RequestListener } from 'node:http'
import { testDatabaseTargets } from '@entryway/db'
import { BASIC_ADMIN, seedAccounts, startInProcessGateway } from './in-process-gateway.js'
import { emptyPlc, serveOnLoopback } from './stub-servers.js'

// Issue #13 finding 5: the proxy must not carry the Entryway's own credentials (cookies of its
// origin, the admin CSRF header) to a PDS, nor let a PDS set or clear cookies on the Entryway's
// origin. The PDS here is a stub because the test must see what arrived upstream (a real PDS
// does not echo request headers) and make the upstream misbehave (a real PDS sets no cookie).

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}

/** Records the request headers it got; answers with cookies and a clear-site-data of its own. */
function plantingPds(seen: IncomingHttpHeaders[]): RequestListener {
  return (req, res) => {
    // the health checker calls too; only the proxied call is of interest
    if (req.url?.startsWith('/xrpc/com.atproto.repo.describeRepo')) seen.push(req.headers)
    res.writeHead(
      200,
      [
        ['content-type', 'application/json'],
        ['Set-Cookie', 'ses-id=planted; Path=/; HttpOnly'],
        ['set-cookie', 'entryway_admin=planted; Path=/admin'],
        ['Clear-Site-Data', '"cookies"'],
        ['atproto-repo-rev', 'rev1'],
      ].flat(),
    )
    res.end(JSON.stringify({ did: ALICE.did }))
  }
}

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(
  `${target!.name}: proxied requests carry no Entryway cookie or CSRF token; no upstream cookie reaches the client`,
  async (t) => {
    const seen: IncomingHttpHeaders[] = []
    const pdsUrl = await serveOnLoopback(t, plantingPds(seen))
    // the DID prefetch of the routed account goes to a PLC that knows nobody (no network)
    const plcUrl = await emptyPlc(t)
    const database = await target!.open()
    t.teardown(() => database.close())
    await seedAccounts(database, [ALICE], pdsUrl)
    const { url } = await startInProcessGateway(t, database, { ENTRYWAY_PLC_URL: plcUrl })

    const res = await fetch(`${url}/xrpc/com.atproto.repo.describeRepo?repo=${ALICE.did}`, {
      headers: {
        cookie:
          'dev-id=dev-secret; ses-id=ses-secret; entryway_admin=admin-secret; entryway_admin_login=login-secret',
        'x-csrf-token': 'csrf-secret',
        // the admin password's own (a wrong one is refused and counted at the Entryway, see abuse/)
        authorization: BASIC_ADMIN,
        'atproto-accept-labelers': 'did:plc:mod',
      },
    })
    t.equal(res.status, 200, 'forwarded to the PDS')
    t.equal(seen.length, 1)
    const up = seen[0]!
    t.notOk(up.cookie, 'no cookie of the Entryway origin reaches the PDS')
    t.notOk(up['x-csrf-token'], 'the admin CSRF token does not reach the PDS')
    t.equal(up.authorization, BASIC_ADMIN, "the client's Authorization still does")
    t.equal(up['atproto-accept-labelers'], 'did:plc:mod', 'other request headers still do')
    t.same(res.headers.getSetCookie(), [], 'no Set-Cookie from the PDS reaches the client')
    t.equal(
      res.headers.get('clear-site-data'),
      null,
      'no Clear-Site-Data from the PDS reaches the client',
    )
    t.equal(res.headers.get('atproto-repo-rev'), 'rev1', 'other response headers still do')
  },
)
