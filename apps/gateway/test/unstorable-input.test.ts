import t from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { BASIC_ADMIN, seedAccounts, startInProcessGateway } from './in-process-gateway.js'

// One regression per class the route fuzz (route-fuzz.test.ts) found on main: strings the database
// cannot hold (NUL, lone surrogates) and integers past its columns answered 500 from the store;
// a client-named repo that is no DID or handle reached a lookup; a did:web the safe fetch refuses
// was a 502. Each is now a 4xx, on PGlite and on Postgres (TEST_DATABASE_URL).

const ALICE = {
  did: 'did:plc:aliceaaaaaaaaaaaaaaaaaaa',
  handle: 'alice.example.test',
  password: 'alice-pass',
}

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(`${target.name}: unstorable input is a 400, never a 500`, async (t) => {
    const database = await target.open()
    t.teardown(() => database.close())
    await seedAccounts(database, [ALICE])
    const { gw } = await startInProcessGateway(t, database)
    const app = gw.app
    const login = await app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.server.createSession',
      payload: { identifier: ALICE.handle, password: ALICE.password },
    })
    t.equal(login.statusCode, 200)
    const bearer = { authorization: `Bearer ${login.json().accessJwt}` }
    const json = { 'content-type': 'application/json' }

    const cases: {
      name: string
      url: string
      method?: 'GET' | 'POST'
      headers?: Record<string, string>
      payload?: string
    }[] = [
      {
        name: 'resetPassword, NUL in the token',
        url: '/xrpc/com.atproto.server.resetPassword',
        payload: JSON.stringify({ token: 'ABCDE-\u0000FGHI', password: 'new-pass' }),
      },
      {
        name: 'resetPassword with a session, NUL in the token',
        url: '/xrpc/com.atproto.server.resetPassword',
        headers: bearer,
        payload: JSON.stringify({ token: '\u0000', password: 'new-pass' }),
      },
      {
        name: 'resetPassword, lone surrogate',
        url: '/xrpc/com.atproto.server.resetPassword',
        payload: '{"token":"\\ud800","password":"new-pass"}',
      },
      {
        name: 'signPlcOperation, NUL in the token',
        url: '/xrpc/com.atproto.identity.signPlcOperation',
        headers: bearer,
        payload: JSON.stringify({ token: 'x\u0000' }),
      },
      {
        name: 'createSession, NUL in the identifier',
        url: '/xrpc/com.atproto.server.createSession',
        payload: JSON.stringify({ identifier: `${ALICE.handle}\u0000`, password: 'x' }),
      },
      {
        name: 'createInviteCode, useCount past an integer column',
        url: '/xrpc/com.atproto.server.createInviteCode',
        headers: { authorization: BASIC_ADMIN },
        payload: JSON.stringify({ useCount: 2 ** 40 }),
      },
      {
        name: 'addHost (no lexicon), NUL in the url',
        url: '/xrpc/com.entryway.admin.addHost',
        headers: { authorization: BASIC_ADMIN },
        payload: JSON.stringify({ url: 'https://pds\u0000.test', did: 'did:web:pds9.test' }),
      },
      {
        name: 'updateHost (no lexicon), NUL in the host looked up',
        url: '/xrpc/com.entryway.admin.updateHost',
        headers: { authorization: BASIC_ADMIN },
        payload: JSON.stringify({ host: 'did:web:pds\u0000.test', weight: 2 }),
      },
      {
        name: 'listAccounts (no lexicon), NUL in the cursor',
        method: 'GET',
        url: '/xrpc/com.entryway.admin.listAccounts?cursor=did%3Aplc%3A%00',
        headers: { authorization: BASIC_ADMIN },
      },
      {
        name: 'resolveHandle, NUL in the query',
        method: 'GET',
        url: '/xrpc/com.atproto.identity.resolveHandle?handle=a%00.example.test',
      },
    ]
    for (const c of cases) {
      const before = await database.db
        .selectFrom('account')
        .select(['did', 'passwordScrypt'])
        .execute()
      const res = await app.inject({
        method: c.method ?? 'POST',
        url: c.url,
        headers: { ...json, ...c.headers },
        ...(c.payload !== undefined ? { payload: c.payload } : {}),
      })
      t.equal(res.statusCode, 400, `${c.name}: 400`)
      t.equal(
        res.json().error,
        'InvalidRequest',
        `${c.name}: InvalidRequest (${res.json().message})`,
      )
      t.same(
        await database.db.selectFrom('account').select(['did', 'passwordScrypt']).execute(),
        before,
        `${c.name}: nothing written`,
      )
    }
  })

  t.test(
    `${target.name}: the proxy refuses a repo it cannot route with a 4xx, not a lookup's 500 or a 502`,
    async (t) => {
      const database = await target.open()
      t.teardown(() => database.close())
      const { gw } = await startInProcessGateway(t, database)
      for (const repo of [
        'a%00b.example.test',
        '%ED%A0%80',
        'did:web:127.0.0.1',
        'did:web:localhost%3A1',
        'did:web:a:b',
      ]) {
        const res = await gw.app.inject({
          method: 'GET',
          url: `/xrpc/com.atproto.repo.getRecord?repo=${repo}&collection=app.bsky.feed.post&rkey=3k2a`,
        })
        t.equal(res.statusCode, 400, `repo=${repo}: 400`)
        t.equal(res.json().error, 'RepoNotFound', `repo=${repo}: RepoNotFound`)
      }
    },
  )
}
