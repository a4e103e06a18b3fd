import t, { type Test } from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { seedAccounts, startInProcessGateway } from './in-process-gateway.js'
import { emptyPlc, serveOnLoopback } from './stub-servers.js'

// Issue #13 finding 13a: outside local dev /metrics is not public, and it never names a PDS by
// the internal URL the Entryway reaches it at. A gateway with an https public URL (as deployed),
// a PDS stub reached at an internal loopback URL.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}
const PUBLIC_PDS = 'https://pds1.example.test'
const TOKEN = 'scrape-token-0123456789abcdef'

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

async function deployed(t: Test, env: Record<string, string>) {
  const internal = await serveOnLoopback(t, (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
  )
  const plcUrl = await emptyPlc(t)
  const database = await target!.open()
  t.teardown(() => database.close())
  await seedAccounts(database, [ALICE], PUBLIC_PDS)
  await database.db.updateTable('pds_host').set({ internalUrl: internal }).execute()
  const { url } = await startInProcessGateway(t, database, {
    ENTRYWAY_PUBLIC_URL: 'https://entryway.example.test',
    ENTRYWAY_PLC_URL: plcUrl,
    ...env,
  })
  return { url, internal }
}

t.test(`${target!.name}: outside local dev, /metrics is not served without a token`, async (t) => {
  const { url } = await deployed(t, {})
  const res = await fetch(`${url}/metrics`)
  t.equal(res.status, 404, 'no open metrics on a deployed Entryway')
  t.notMatch(await res.text(), 'entryway_http_requests_total')
})

t.test(
  `${target!.name}: with ENTRYWAY_METRICS_TOKEN it wants the token; upstreams are labelled by host DID`,
  async (t) => {
    const { url, internal } = await deployed(t, { ENTRYWAY_METRICS_TOKEN: TOKEN })
    const proxied = await fetch(`${url}/xrpc/com.atproto.repo.describeRepo?repo=${ALICE.did}`)
    t.equal(proxied.status, 200, 'a request forwarded to the PDS at its internal URL')
    t.equal((await fetch(`${url}/metrics`)).status, 401)
    t.equal(
      (
        await fetch(`${url}/metrics`, {
          headers: { authorization: 'Bearer wrong-token-0123456789' },
        })
      ).status,
      401,
    )
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    t.equal(ok.status, 200)
    const text = await ok.text()
    t.match(
      text,
      'entryway_upstream_duration_seconds_count{host="did:web:pds1.test",status="200"} 1',
      'the host is named by its DID',
    )
    t.notMatch(text, internal, 'the internal URL appears nowhere')
    t.notMatch(text, new URL(internal).host)
  },
)
