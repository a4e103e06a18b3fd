import t from 'tap'
import { openDatabase } from '@entryway/db'
import { createAccessToken, AuthScope } from '@entryway/session'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'
import { ADMIN_PASSWORD, BASIC_ADMIN, seedAccounts } from './in-process-gateway.js'

// The move gate in front of the proxy, in-process (no PDS: the gate answers before any forward),
// and the operator procedures' refusals.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'pw-alice',
}
const BOB = {
  did: 'did:plc:bob000000000000000000000',
  handle: 'bob.example.test',
  password: 'pw-bob',
}

t.test(
  'a moving account gets AccountMoving, a moved one ExpiredToken for its old host; others pass',
  async (t) => {
    const database = await openDatabase()
    await database.migrateToLatest()
    t.teardown(() => database.close())
    await seedAccounts(database, [ALICE, BOB])
    const now = new Date().toISOString()
    const b = await database.db
      .insertInto('pds_host')
      .values({
        url: 'http://localhost:2',
        did: 'did:web:pds2.test',
        status: 'enabled',
        internalUrl: null,
        accountCap: null,
        lastCheckAt: null,
        lastError: null,
        version: null,
        createdAt: now,
        updatedAt: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const a = await database.db
      .selectFrom('pds_host')
      .select('id')
      .where('did', '=', 'did:web:pds1.test')
      .executeTakeFirstOrThrow()
    const env = readEnv({
      ENTRYWAY_PUBLIC_URL: 'https://entryway.example.test',
      ENTRYWAY_HANDLE_DOMAINS: '.example.test',
      ENTRYWAY_JWT_SIGNING_KEY_HEX: '11'.repeat(32),
      ENTRYWAY_PLC_ROTATION_KEY_HEX: '22'.repeat(32),
      ENTRYWAY_PDS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ENTRYWAY_PLC_URL: 'http://127.0.0.1:9',
    })
    const gw = await buildGateway(envToCfg(env), envToSecrets(env), {
      logger: false,
      database,
      moves: { worker: false },
    })
    t.teardown(() => gw.app.close())
    await gw.app.ready()
    const token = (did: string, aud: string) =>
      createAccessToken(gw.ctx.keyring, { did, pdsDid: aud, scope: AuthScope.Access })
    const write = async (did: string, aud: string) =>
      gw.app.inject({
        method: 'POST',
        url: '/xrpc/com.atproto.repo.createRecord',
        headers: {
          authorization: `Bearer ${await token(did, aud)}`,
          'content-type': 'application/json',
        },
        payload: { repo: did, collection: 'app.bsky.feed.post', record: {} },
      })

    // the operator starts a move; the worker is off, so the job stays queued until frozen by hand
    const started = await gw.app.inject({
      method: 'POST',
      url: '/xrpc/com.entryway.admin.moveAccount',
      headers: { authorization: BASIC_ADMIN },
      payload: { account: ALICE.handle, to: 'http://localhost:2' },
    })
    t.equal(started.statusCode, 200, started.body)
    const id = started.json().move.id as number
    t.equal(
      (
        await gw.app.inject({
          method: 'POST',
          url: '/xrpc/com.entryway.admin.moveAccount',
          headers: { authorization: BASIC_ADMIN },
          payload: { account: BOB.did, to: 'did:web:pds1.test' },
        })
      ).json().error,
      'SameHost',
    )
    t.equal(
      (
        await gw.app.inject({
          method: 'POST',
          url: '/xrpc/com.entryway.admin.moveAccount',
          headers: { authorization: BASIC_ADMIN },
          payload: { account: 'nobody.example.test', to: 'http://localhost:2' },
        })
      ).json().error,
      'AccountNotFound',
    )
    t.equal(
      (
        await gw.app.inject({
          method: 'POST',
          url: '/xrpc/com.entryway.admin.moveAccount',
          payload: { account: ALICE.did, to: 'http://localhost:2' },
        })
      ).statusCode,
      401,
      'admin only',
    )
    t.equal(
      (
        await gw.app.inject({
          url: `/xrpc/com.entryway.admin.getMove?id=${id}`,
          headers: { authorization: BASIC_ADMIN },
        })
      ).json().move.state,
      'queued',
    )
    t.equal(
      (
        await gw.app.inject({
          url: '/xrpc/com.entryway.admin.getMoves?state=bogus',
          headers: { authorization: BASIC_ADMIN },
        })
      ).statusCode,
      400,
    )

    await database.db
      .updateTable('account_move')
      .set({ frozenAt: now, state: 'running' })
      .where('id', '=', id)
      .execute()
    await gw.app.accountMoves.gate.refresh()
    const frozen = await write(ALICE.did, 'did:web:pds1.test')
    t.equal(frozen.statusCode, 503)
    t.equal(frozen.json().error, 'AccountMoving')
    t.equal(frozen.headers['retry-after'], '2')
    const read = await gw.app.inject({
      url: `/xrpc/com.atproto.repo.listRecords?repo=${ALICE.did}&collection=app.bsky.feed.post`,
    })
    t.equal(read.json().error, 'AccountMoving', 'unauthenticated reads of the repo too')
    t.not(
      (await write(BOB.did, 'did:web:pds1.test')).json().error,
      'AccountMoving',
      'another account is not held back',
    )

    // moved: the row names the target, the job is done
    await database.db
      .updateTable('account')
      .set({ hostId: b.id })
      .where('did', '=', ALICE.did)
      .execute()
    await database.db
      .updateTable('account_move')
      .set({
        frozenAt: null,
        state: 'done',
        step: 'finished',
        finishedAt: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute()
    await gw.app.accountMoves.gate.refresh()
    const stale = await write(ALICE.did, 'did:web:pds1.test')
    t.equal(stale.statusCode, 400)
    t.equal(stale.json().error, 'ExpiredToken', 'a token for the old host')
    t.not(
      (await write(ALICE.did, 'did:web:pds2.test')).json().error,
      'ExpiredToken',
      'a token for the new host goes on to the proxy',
    )
    t.equal(a.id === b.id, false)
  },
)
