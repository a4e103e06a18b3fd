import t from 'tap'
import { seedHostWithAccounts, testDatabaseTargets } from '@entryway/db'
import { KyselyHostRegistry } from '../src/postgres/index.js'

// The per-host account count is kept by a trigger (a sign-up reads it instead of counting every
// account): after any mix of inserts, moves between hosts, deletions (status and row), the kept
// count equals a recount.

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(
    `host account count follows account rows (${target.name})`,
    { skip: target.skip },
    async (t) => {
      const d = await target.open()
      t.teardown(() => d.close())
      const db = d.db
      const acct = (i: number) => ({ did: `did:plc:count${i}`, handle: `count${i}.test` })
      const h1 = await seedHostWithAccounts(
        db,
        { url: 'https://h1.test', did: 'did:web:h1.test' },
        [1, 2, 3, 4, 5].map(acct),
      )
      const h2 = await seedHostWithAccounts(
        db,
        { url: 'https://h2.test', did: 'did:web:h2.test' },
        [6, 7].map(acct),
      )
      const hosts = new KyselyHostRegistry(db)
      const recount = async () => {
        const rows = await db
          .selectFrom('account')
          .select(['hostId', (eb) => eb.fn.countAll<string>().as('n')])
          .where('status', '!=', 'deleted')
          .groupBy('hostId')
          .execute()
        return new Map(rows.map((r) => [r.hostId, Number(r.n)]))
      }
      t.same(
        await hosts.accountCounts(),
        new Map([
          [h1, 5],
          [h2, 2],
        ]),
        'inserts',
      )

      await db
        .updateTable('account')
        .set({ hostId: h2 })
        .where('did', 'in', ['did:plc:count1', 'did:plc:count2'])
        .execute()
      t.same(
        await hosts.accountCounts(),
        new Map([
          [h1, 3],
          [h2, 4],
        ]),
        'a move counts on the target only',
      )

      await db
        .updateTable('account')
        .set({ status: 'deleted' })
        .where('did', '=', 'did:plc:count3')
        .execute()
      await db
        .updateTable('account')
        .set({ status: 'deactivated' })
        .where('did', '=', 'did:plc:count4')
        .execute()
      t.same(
        await hosts.accountCounts(),
        new Map([
          [h1, 2],
          [h2, 4],
        ]),
        'deleted accounts leave the count, deactivated ones stay',
      )

      await db
        .updateTable('account')
        .set({ status: 'deleted', hostId: h1 })
        .where('did', '=', 'did:plc:count6')
        .execute()
      await db
        .deleteFrom('account')
        .where('did', 'in', ['did:plc:count7', 'did:plc:count3'])
        .execute()
      await db
        .updateTable('account')
        .set({ status: 'active' })
        .where('did', '=', 'did:plc:count4')
        .execute()
      t.same(
        await hosts.accountCounts(),
        await recount(),
        'equal to a recount after deletes and status changes',
      )
      t.same(
        await hosts.accountCounts(),
        new Map([
          [h1, 2],
          [h2, 2],
        ]),
      )
    },
  )
}
