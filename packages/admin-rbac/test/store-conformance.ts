import t from 'tap'
import {
  auditHash,
  verifyAuditChain,
  type AdminSessionStore,
  type AuditInput,
  type AuditLog,
  type AuditRow,
  type FleetDirectory,
} from '../src/index.js'

/** One backing of the admin portal's stores, with the writes other paths (or an attacker) make. */
export interface AdminStoreSet {
  /** Two handles on one log, as two gateway instances hold. */
  auditLogs: [AuditLog, AuditLog]
  sessions: AdminSessionStore
  fleet: FleetDirectory
  /** Edits a stored audit row behind the log's back. */
  editAuditRow(id: number, patch: Pick<AuditRow, 'allowed'>): Promise<void>
  deleteAuditRow(id: number): Promise<void>
  /** Adds a host and accounts on it as placement does; returns the host's id. */
  addHost(
    h: { url: string; did: string; internalUrl: string | null },
    accounts: { did: string; handle: string; status?: 'active' | 'deleted' }[],
  ): Promise<number>
  close(): Promise<void>
}

export interface AdminStoreTarget {
  name: string
  /** Why this target cannot run here (a database that is not configured), or false. */
  skip?: string | false
  open(): Promise<AdminStoreSet>
}

const KEY = new Uint8Array(32).fill(3)
const sealOf = (e: AuditInput) => (prev: string) => auditHash(e, prev, KEY)

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

/** What every implementation of the admin store interfaces must do, whatever it stores in. */
export function adminStoreConformance(target: AdminStoreTarget): void {
  t.test(`${target.name}: admin audit log`, { skip: target.skip }, async (t) => {
    const set = await target.open()
    t.teardown(() => set.close())
    // Two "instances" appending at once still make one line.
    const [log, other] = set.auditLogs
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? log : other).append(entry(i + 1), sealOf(entry(i + 1))),
      ),
    )
    const all = []
    for await (const r of log.scan({}, 5)) all.push(r)
    t.equal(all.length, 12)
    t.ok((await verifyAuditChain(log.scan({}, 5), KEY)).ok, 'chain intact')

    const page = await log.list(
      { actorDid: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', allowed: true },
      { limit: 2 },
    )
    t.equal(page.rows.length, 2)
    t.ok(page.rows[0]!.id > page.rows[1]!.id, 'newest first')
    const rest = await log.list(
      { actorDid: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', allowed: true },
      { limit: 10, beforeId: page.cursor },
    )
    t.ok(rest.rows.every((r) => r.actorDid === 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' && r.allowed))
    t.equal((await log.list({ nsid: 'com.atproto.admin.update*' }, { limit: 50 })).rows.length, 4)
    t.equal((await log.list({ from: entry(3).at, to: entry(4).at }, { limit: 50 })).rows.length, 2)

    // Pages both ways: older from `cursor`, back to newer from `newer`, newest first throughout.
    const ids = all.map((r) => r.id).reverse()
    const p1 = await log.list({}, { limit: 3 })
    t.same(
      p1.rows.map((r) => r.id),
      ids.slice(0, 3),
    )
    t.equal(p1.newer, undefined, 'the newest page has nothing newer')
    const p2 = await log.list({}, { limit: 3, beforeId: p1.cursor })
    t.same(
      p2.rows.map((r) => r.id),
      ids.slice(3, 6),
    )
    const p3 = await log.list({}, { limit: 3, beforeId: p2.cursor })
    const back = await log.list({}, { limit: 3, afterId: p3.newer })
    t.same(
      back.rows.map((r) => r.id),
      ids.slice(3, 6),
      'previous of page 3 is page 2',
    )
    t.equal(back.newer, ids[3], 'and it has newer rows still')
    const top = await log.list({}, { limit: 3, afterId: back.newer })
    t.same(
      top.rows.map((r) => r.id),
      ids.slice(0, 3),
    )
    t.equal(top.newer, undefined)
    t.equal(top.cursor, ids[2])
    const rowTarget = all[4]!.target!
    t.ok(
      (await log.list({ target: rowTarget }, { limit: 50 })).rows.every(
        (r) => r.target === rowTarget,
      ),
      'target filter',
    )

    // Editing a row in the database is detected.
    const victim = all[5]!
    await set.editAuditRow(victim.id, { allowed: !victim.allowed })
    t.match(await verifyAuditChain(log.scan({}, 5), KEY), {
      ok: false,
      brokenAtId: victim.id,
      reason: /edited/,
    })
    await set.editAuditRow(victim.id, { allowed: victim.allowed })
    // Deleting one is too.
    await set.deleteAuditRow(all[8]!.id)
    t.match(await verifyAuditChain(log.scan({}, 5), KEY), { ok: false, brokenAtId: all[9]!.id })
  })

  t.test(`${target.name}: admin sessions and fleet directory`, { skip: target.skip }, async (t) => {
    const set = await target.open()
    t.teardown(() => set.close())
    const s = set.sessions
    const base = { did: 'did:plc:x', csrfToken: 'c', createdAt: '2026-09-01T00:00:00.000Z' }
    await s.create({ ...base, id: 'a', expiresAt: '2026-09-01T10:00:00.000Z' })
    await s.create({ ...base, id: 'b', expiresAt: '2026-09-02T10:00:00.000Z' })
    t.match(await s.get('a'), { id: 'a', did: 'did:plc:x', csrfToken: 'c' })
    t.equal(await s.deleteExpired('2026-09-01T12:00:00.000Z'), 1)
    t.equal(await s.get('a'), null)
    await s.delete('b')
    t.equal(await s.get('b'), null)

    const hostId = await set.addHost(
      { url: 'http://pds1.test', did: 'did:web:pds1.test', internalUrl: 'http://10.0.0.1:2583' },
      [
        { did: 'did:plc:b1', handle: 'bob.test' },
        { did: 'did:plc:a1', handle: 'alice.test' },
        { did: 'did:plc:c1', handle: 'carol.test' },
        { did: 'did:plc:d1', handle: 'dave.test', status: 'deleted' },
      ],
    )
    const fleet = set.fleet
    t.match(await fleet.hostForAccount('did:plc:a1'), {
      id: hostId,
      url: 'http://pds1.test',
      baseUrl: 'http://10.0.0.1:2583',
    })
    t.equal(await fleet.hostForAccount('did:plc:zz'), null)
    const p1 = await fleet.listAccounts({ limit: 2 })
    t.same(
      p1.accounts.map((a) => a.did),
      ['did:plc:a1', 'did:plc:b1'],
    )
    t.same(
      (await fleet.listAccounts({ limit: 2, cursor: p1.cursor })).accounts.map((a) => a.did),
      ['did:plc:c1', 'did:plc:d1'],
      'a deleted account is still listed (with its status)',
    )
    t.same(
      (await fleet.listAccounts({ limit: 5, query: 'car' })).accounts.map((a) => a.handle),
      ['carol.test'],
    )
    const p2 = await fleet.listAccounts({ limit: 2, cursor: 'did:plc:a1' })
    t.same(
      p2.accounts.map((a) => a.did),
      ['did:plc:b1', 'did:plc:c1'],
    )
    t.equal(p2.previous, 'did:plc:b1')
    const before = await fleet.listAccounts({ limit: 1, before: p2.previous })
    t.same(
      before.accounts.map((a) => a.did),
      ['did:plc:a1'],
      'the page before, in DID order',
    )
    t.equal(before.previous, undefined, 'nothing before the first')
    t.equal(before.cursor, 'did:plc:a1')
    t.match(await fleet.account('did:plc:c1'), { handle: 'carol.test', hostId })
    t.equal(await fleet.account('did:plc:zz'), null)
    t.match(
      (await fleet.hostSummaries()).find((h) => h.id === hostId),
      { url: 'http://pds1.test', accounts: 3, accountCap: null },
      'a deleted account is not counted',
    )
  })
}
