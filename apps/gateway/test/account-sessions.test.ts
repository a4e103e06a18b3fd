import t from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { KyselyAccountSessions } from '../src/wire/account-sessions.js'
import { seedAccounts } from './in-process-gateway.js'

// The admin portal's sessions on the gateway's database: live refresh tokens (the head of each
// rotation chain), OAuth grants and OAuth browser sign-ins, newest first and paged; a revocation
// touches only the named account's rows.

const ALICE = 'did:plc:alicealicealicealicealic'
const BOB = 'did:plc:bobbobbobbobbobbobbobbob'
const NOW = Date.parse('2026-09-01T12:00:00.000Z')
const at = (ms: number) => new Date(NOW + ms).toISOString()
const HOUR = 3_600_000
const DAY = 24 * HOUR

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(`${target.name}: list, page, revoke one, revoke all`, { skip: target.skip }, async (t) => {
    const database = await target.open()
    t.teardown(() => database.close())
    const db = database.db
    await seedAccounts(database, [
      { did: ALICE, handle: 'alice.test', password: 'pw' },
      { did: BOB, handle: 'bob.test', password: 'pw' },
    ])
    const refresh = (id: string, did: string, o: Record<string, unknown> = {}) =>
      db
        .insertInto('refresh_token')
        .values({
          id,
          did,
          appPasswordName: null,
          expiresAt: at(90 * DAY),
          nextId: null,
          createdAt: at(-5 * HOUR),
          ...o,
        })
        .execute()
    await refresh('r-live', ALICE)
    await refresh('r-used', ALICE, { nextId: 'r-app', createdAt: at(-4 * HOUR) })
    await refresh('r-app', ALICE, { appPasswordName: 'my phone', createdAt: at(-3 * HOUR) })
    await refresh('r-expired', ALICE, { expiresAt: at(-1), createdAt: at(-2 * HOUR) })
    await refresh('r-bob', BOB)
    const grant = (id: string, did: string, o: Record<string, unknown> = {}) =>
      db
        .insertInto('oauth_token')
        .values({
          id,
          did,
          clientId: 'https://app.example/client-metadata.json',
          clientAuth: '{}',
          deviceId: null,
          parameters: '{}',
          details: null,
          scope: 'atproto',
          code: null,
          currentRefreshToken: `ref-${id}`,
          createdAt: at(-1 * HOUR),
          updatedAt: at(-30 * 60_000),
          expiresAt: at(-60_000),
          ...o,
        })
        .execute()
    await grant('tok-live', ALICE)
    await grant('tok-stale', ALICE, { updatedAt: at(-100 * DAY), createdAt: at(-101 * DAY) })
    await db
      .insertInto('oauth_device')
      .values({
        id: 'dev-1',
        sessionId: 'ses-1',
        userAgent: 'Firefox',
        ipAddress: '127.0.0.1',
        lastSeenAt: at(-60_000),
      })
      .execute()
    await db
      .insertInto('oauth_device_account')
      .values({ deviceId: 'dev-1', did: ALICE, createdAt: at(-2 * HOUR), updatedAt: at(0) })
      .execute()

    const revokedAll: string[] = []
    const s = new KyselyAccountSessions(db, {
      now: () => NOW,
      revokeAll: async (did) => void revokedAll.push(did),
    })
    const all = await s.list(ALICE, { limit: 10, offset: 0 })
    t.same(
      all.sessions.map((x) => [x.id, x.kind, x.name]),
      [
        ['oauth:tok-live', 'oauth', 'https://app.example/client-metadata.json'],
        ['device:dev-1', 'oauth-device', 'Firefox'],
        ['refresh:r-app', 'app-password', 'my phone'],
        ['refresh:r-live', 'password', null],
      ],
      'live sessions newest first; used, expired and stale ones left out',
    )
    t.equal(all.more, false)
    t.equal(all.sessions[0]!.lastUsedAt, at(-30 * 60_000), 'an OAuth grant: its last refresh')
    const p1 = await s.list(ALICE, { limit: 3, offset: 0 })
    const p2 = await s.list(ALICE, { limit: 3, offset: 3 })
    t.equal(p1.sessions.length, 3)
    t.equal(p1.more, true)
    t.same(
      p2.sessions.map((x) => x.id),
      ['refresh:r-live'],
    )
    t.equal(p2.more, false)

    t.equal(await s.revoke(BOB, 'refresh:r-live'), false, 'another account’s session: nothing')
    t.equal(await s.revoke(BOB, 'oauth:tok-live'), false)
    t.equal(await s.revoke(BOB, 'device:dev-1'), false)
    t.equal(await s.revoke(ALICE, 'bogus:x'), false)
    t.equal((await s.list(ALICE, { limit: 10, offset: 0 })).sessions.length, 4, 'all kept')

    t.equal(await s.revoke(ALICE, 'refresh:r-app'), true)
    t.same(
      await db
        .selectFrom('refresh_token')
        .select('id')
        .where('did', '=', ALICE)
        .orderBy('id')
        .execute(),
      [{ id: 'r-expired' }, { id: 'r-live' }],
      'the token and its used predecessor are gone',
    )
    t.equal(await s.revoke(ALICE, 'oauth:tok-live'), true)
    t.equal(await s.revoke(ALICE, 'device:dev-1'), true)
    t.same(
      (await s.list(ALICE, { limit: 10, offset: 0 })).sessions.map((x) => x.id),
      ['refresh:r-live'],
    )
    t.same(
      (await s.list(BOB, { limit: 10, offset: 0 })).sessions.map((x) => x.id),
      ['refresh:r-bob'],
      'Bob’s untouched',
    )
    await s.revokeAll(ALICE)
    t.same(revokedAll, [ALICE], 'revokeAll is the app’s')
  })
}
