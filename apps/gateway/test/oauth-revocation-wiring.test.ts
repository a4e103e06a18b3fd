import t from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { RawClient } from '../../../packages/oauth/test/raw-client.js'
import {
  BASIC_ADMIN,
  oauthSignIn,
  seedAccounts,
  startInProcessGateway,
} from './in-process-gateway.js'

// The gateway wires the session plugin's onRevokeAccountSessions to the OAuth server: a password
// set by an admin ends the account's OAuth sessions at once (oauth-e2e.test.ts covers the rest
// against real PDSes; this one is quick and needs no fleet).

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
const [target] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

t.test(
  `${target!.name}: an admin password change ends that account's OAuth sessions, not others'`,
  async (t) => {
    const database = await target!.open()
    t.teardown(() => database.close())
    await seedAccounts(database, [ALICE, BOB])
    const { gw, url } = await startInProcessGateway(t, database)

    const client = await RawClient.create(url)
    const signIn = (u: typeof ALICE) => oauthSignIn(t, client, u)
    const alice = await signIn(ALICE)
    const bob = await signIn(BOB)

    const res = await gw.app.inject({
      method: 'POST',
      url: '/xrpc/com.atproto.admin.updateAccountPassword',
      headers: { authorization: BASIC_ADMIN },
      payload: { did: ALICE.did, password: 'set-by-admin' },
    })
    t.equal(res.statusCode, 200)
    const denied = await client.refresh(alice)
    t.equal(denied.status, 400)
    t.equal(denied.json.error, 'invalid_grant', "alice's refresh fails at once")
    const rows = await database.db
      .selectFrom('oauth_token')
      .select('id')
      .where('did', '=', ALICE.did)
      .execute()
    t.equal(rows.length, 0, "alice's OAuth sessions are gone")
    t.equal((await client.refresh(bob)).status, 200, "bob's session is untouched")
  },
)
