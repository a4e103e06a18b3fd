import t from 'tap'
import { sql } from 'kysely'
import { testDatabaseTargets } from '@entryway/db'
import { verifyAuditChain, type AuditInput } from '@entryway/admin-rbac'
import { KyselyAuditLog, KyselyAdminSessionStore, KyselyFleetDirectory } from '@entryway/admin-rbac/postgres'

const entry = (i: number): AuditInput => ({
  at: new Date(Date.UTC(2026, 8, 1, 12, 0, i)).toISOString(),
  actorDid: i % 2 ? 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' : 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb',
  nsid: i % 3 ? 'com.atproto.admin.getAccountInfo' : 'com.atproto.admin.updateSubjectStatus',
  target: `did:plc:t${i}`,
  hostId: null,
  allowed: i % 4 !== 0,
  resultStatus: 200,
  detail: i === 1 ? 'first, with "quotes"' : null,
})

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(`${target.name}: admin audit log`, async (t) => {
    const d = await target.open()
    t.teardown(() => d.close())
    const log = new KyselyAuditLog(d.db)
    // Two "instances" appending at once still make one line.
    const other = new KyselyAuditLog(d.db)
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? log : other).append(entry(i + 1))))
    const all = []
    for await (const r of log.scan({}, 5)) all.push(r)
    t.equal(all.length, 12)
    t.ok((await verifyAuditChain(log.scan({}, 5))).ok, 'chain intact')

    const page = await log.list({ actorDid: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', allowed: true }, { limit: 2 })
    t.equal(page.rows.length, 2)
    t.ok(page.rows[0]!.id > page.rows[1]!.id, 'newest first')
    const rest = await log.list({ actorDid: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', allowed: true }, { limit: 10, beforeId: page.cursor })
    t.ok(rest.rows.every((r) => r.actorDid === 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' && r.allowed))
    t.equal((await log.list({ nsid: 'com.atproto.admin.update*' }, { limit: 50 })).rows.length, 4)
    t.equal((await log.list({ from: entry(3).at, to: entry(4).at }, { limit: 50 })).rows.length, 2)

    // Editing a row in the database is detected.
    const victim = all[5]!
    await d.db.updateTable('admin_audit').set({ allowed: !victim.allowed }).where('id', '=', victim.id).execute()
    t.match(await verifyAuditChain(log.scan({}, 5)), { ok: false, brokenAtId: victim.id, reason: /edited/ })
    await d.db.updateTable('admin_audit').set({ allowed: victim.allowed }).where('id', '=', victim.id).execute()
    // Deleting one is too.
    await sql`delete from admin_audit where id = ${all[8]!.id}`.execute(d.db)
    t.match(await verifyAuditChain(log.scan({}, 5)), { ok: false, brokenAtId: all[9]!.id })
  })

  t.test(`${target.name}: admin sessions and fleet directory`, async (t) => {
    const d = await target.open()
    t.teardown(() => d.close())
    const s = new KyselyAdminSessionStore(d.db)
    const base = { did: 'did:plc:x', csrfToken: 'c', createdAt: '2026-09-01T00:00:00.000Z' }
    await s.create({ ...base, id: 'a', expiresAt: '2026-09-01T10:00:00.000Z' })
    await s.create({ ...base, id: 'b', expiresAt: '2026-09-02T10:00:00.000Z' })
    t.match(await s.get('a'), { id: 'a', did: 'did:plc:x', csrfToken: 'c' })
    t.equal(await s.deleteExpired('2026-09-01T12:00:00.000Z'), 1)
    t.equal(await s.get('a'), null)
    await s.delete('b')
    t.equal(await s.get('b'), null)

    const now = new Date().toISOString()
    const host = await d.db
      .insertInto('pds_host')
      .values({ url: 'http://pds1.test', did: 'did:web:pds1.test', internalUrl: 'http://10.0.0.1:2583', status: 'enabled', weight: 1, accountCap: null, healthy: true, consecutiveFailures: 0, lastCheckAt: null, lastError: null, version: null, createdAt: now, updatedAt: now })
      .returning('id')
      .executeTakeFirstOrThrow()
    for (const [did, handle] of [['did:plc:b1', 'bob.test'], ['did:plc:a1', 'alice.test'], ['did:plc:c1', 'carol.test']]) {
      await d.db
        .insertInto('account')
        .values({ did: did!, handle: handle!, email: null, emailConfirmedAt: null, emailAuthFactor: false, passwordScrypt: null, hostId: host.id, status: 'active', takedownRef: null, deactivatedAt: null, invitesDisabled: false, createdAt: now, updatedAt: now })
        .execute()
    }
    const fleet = new KyselyFleetDirectory(d.db)
    t.match(await fleet.hostForAccount('did:plc:a1'), { id: host.id, url: 'http://pds1.test', baseUrl: 'http://10.0.0.1:2583' })
    t.equal(await fleet.hostForAccount('did:plc:zz'), null)
    const p1 = await fleet.listAccounts({ limit: 2 })
    t.same(p1.accounts.map((a) => a.did), ['did:plc:a1', 'did:plc:b1'])
    t.same((await fleet.listAccounts({ limit: 2, cursor: p1.cursor })).accounts.map((a) => a.did), ['did:plc:c1'])
    t.same((await fleet.listAccounts({ limit: 5, query: 'car' })).accounts.map((a) => a.handle), ['carol.test'])
  })
}
