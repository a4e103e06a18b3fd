import t from 'tap'
import { createServer, type Server } from 'node:http'
import { testDatabaseTargets } from '@entryway/db'
import { RawClient } from '../../../packages/oauth/test/raw-client.js'
import {
  BASIC_ADMIN as BASIC,
  oauthSignIn,
  seedAccounts,
  startInProcessGateway,
} from './in-process-gateway.js'

// A takedown through the Entryway's admin.updateSubjectStatus ends the account's OAuth sessions
// too (the session plugin's hook, wired to the OAuth server). The PDS is a stub that accepts the
// admin call; moderation-e2e.test.ts runs the same route against a real PDS.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
}
const BOB = {
  did: 'did:plc:bob00000000000000000000',
  handle: 'bob.example.test',
  password: 'bob-pass',
}

async function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )
}

/** Answers admin.updateSubjectStatus as a PDS would, for the right Basic admin only. */
function stubPds(calls: string[]): Server {
  return createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      calls.push(`${req.method} ${req.url?.split('?')[0]}`)
      if (!req.url?.includes('admin'))
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"stub"}')
      res.setHeader('content-type', 'application/json')
      if (req.headers.authorization !== BASIC)
        return res.writeHead(401).end(JSON.stringify({ error: 'AuthenticationRequired' }))
      const input = JSON.parse(body || '{}') as { subject?: unknown; takedown?: unknown }
      res.writeHead(200).end(JSON.stringify({ subject: input.subject, takedown: input.takedown }))
    })
  })
}

const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(`${target!.name}: a takedown ends that account's OAuth sessions, not others'`, async (t) => {
  const calls: string[] = []
  const pds = stubPds(calls)
  const pdsPort = await listen(pds)
  t.teardown(() => new Promise<void>((r) => pds.close(() => r())))
  const database = await target!.open()
  t.teardown(() => database.close())
  await seedAccounts(database, [ALICE, BOB], `http://127.0.0.1:${pdsPort}`)
  const { gw, url } = await startInProcessGateway(t, database)

  const client = await RawClient.create(url)
  const signIn = (u: typeof ALICE) => oauthSignIn(t, client, u)
  const alice = await signIn(ALICE)
  const bob = await signIn(BOB)

  const res = await gw.app.inject({
    method: 'POST',
    url: '/xrpc/com.atproto.admin.updateSubjectStatus',
    headers: { authorization: BASIC },
    payload: {
      subject: { $type: 'com.atproto.admin.defs#repoRef', did: ALICE.did },
      takedown: { applied: true, ref: 'T-1' },
    },
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(
    calls.filter((c) => c.includes('admin')),
    ['POST /xrpc/com.atproto.admin.updateSubjectStatus'],
    'the PDS was asked, with the admin password',
  )
  const row = await database.db
    .selectFrom('account')
    .select(['status', 'takedownRef'])
    .where('did', '=', ALICE.did)
    .executeTakeFirstOrThrow()
  t.same(row, { status: 'takendown', takedownRef: 'T-1' })
  const denied = await client.refresh(alice)
  t.equal(denied.status, 400)
  t.equal(denied.json.error, 'invalid_grant', "alice's OAuth refresh fails at once")
  t.equal(
    (
      await database.db
        .selectFrom('oauth_token')
        .select('id')
        .where('did', '=', ALICE.did)
        .execute()
    ).length,
    0,
  )
  t.equal((await client.refresh(bob)).status, 200, "bob's session is untouched")
})
