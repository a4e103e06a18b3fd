import t from 'tap'
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testDatabaseTargets } from '@entryway/db'
import { startInProcessGateway } from './in-process-gateway.js'
import { didDocument, serveOnLoopback } from './stub-servers.js'

// Issue #13 finding 9: signing in to the admin portal makes the Entryway fetch URLs the
// identifier's owner chose (a did:web document, the PDS's and the authorization server's
// metadata). On a deployed Entryway (https public URL) none of them may be a private address.
// The private "services" here are raw TCP listeners on loopback that count connections: any
// connection at all (even one whose TLS handshake then fails) is the SSRF.

const MEMBER = 'did:plc:memberpointsatloopbackxx'

interface Listener {
  port: number
  connections: number
}

async function countingListener(t: { teardown(fn: () => unknown): void }): Promise<Listener> {
  const l: Listener = { port: 0, connections: 0 }
  const server: TcpServer = createTcpServer((socket) => {
    l.connections++
    socket.destroy()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  l.port = (server.address() as { port: number }).port
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  return l
}

/** The operator's PLC: knows MEMBER, whose PDS is `pdsUrl`. */
function plcNaming(t: { teardown(fn: () => unknown): void }, pdsUrl: string): Promise<string> {
  return serveOnLoopback(t, (req, res) => {
    const did = decodeURIComponent((req.url ?? '/').slice(1))
    if (did !== MEMBER) return res.writeHead(404).end()
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(didDocument(did, pdsUrl)))
  })
}

/** GET the login page (its CSRF cookie and token), then POST the identifier. */
async function startLogin(url: string, identifier: string): Promise<Response> {
  const page = await fetch(`${url}/admin/login`)
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!
  return fetch(`${url}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, identifier }).toString(),
  })
}

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(
  `${target!.name}: a deployed Entryway's admin sign-in never fetches from a private address`,
  async (t) => {
    const pds = await countingListener(t)
    const web = await countingListener(t)
    const plcUrl = await plcNaming(t, `https://localhost:${pds.port}`)
    const dir = mkdtempSync(join(tmpdir(), 'entryway-rbac-'))
    const rbacFile = join(dir, 'rbac.yaml')
    writeFileSync(
      rbacFile,
      `roles:\n  admin:\n    endpoints: ['com.atproto.admin.*']\nmembers:\n  ${MEMBER}: [admin]\n`,
    )
    const database = await target!.open()
    t.teardown(() => database.close())
    const { url } = await startInProcessGateway(t, database, {
      ENTRYWAY_PUBLIC_URL: 'https://entryway.example.test',
      ENTRYWAY_PLC_URL: plcUrl,
      ENTRYWAY_ADMIN_RBAC_FILE: rbacFile,
    })

    await t.test('a member whose DID document names a loopback PDS', async (t) => {
      const res = await startLogin(url, MEMBER)
      t.equal(res.status, 400, 'the sign-in cannot start')
      t.match(await res.text(), 'Could not find how')
      t.equal(pds.connections, 0, 'no connection to the loopback "PDS"')
    })

    await t.test('a did:web on a loopback address', async (t) => {
      const res = await startLogin(url, `did:web:localhost%3A${web.port}`)
      t.equal(res.status, 400, 'the sign-in cannot start')
      t.equal(web.connections, 0, 'no connection to the loopback did:web host')
    })
  },
)
