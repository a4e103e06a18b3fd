import t from 'tap'
import { testDatabaseTargets } from '../src/index.js'

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(
    `${target.name}: migrations create every table and are idempotent`,
    { skip: target.skip },
    async (t) => {
      const d = await target.open()
      t.teardown(() => d.close())
      await d.migrateToLatest() // second run is a no-op
      const now = new Date().toISOString()
      const host = await d.db
        .insertInto('pds_host')
        .values({
          url: 'http://localhost:1',
          did: 'did:web:pds1',
          status: 'enabled',
          weight: 1,
          accountCap: null,
          healthy: true,
          consecutiveFailures: 0,
          internalUrl: null,
          lastCheckAt: null,
          lastError: null,
          version: null,
          createdAt: now,
          updatedAt: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await d.db
        .insertInto('account')
        .values({
          did: 'did:plc:a',
          handle: 'a.test',
          email: 'a@x.com',
          emailConfirmedAt: null,
          emailAuthFactor: false,
          passwordScrypt: null,
          hostId: host.id,
          status: 'active',
          takedownRef: null,
          deactivatedAt: null,
          invitesDisabled: false,
          createdAt: now,
          updatedAt: now,
        })
        .execute()
      const row = await d.db
        .selectFrom('account')
        .selectAll()
        .where('handle', '=', 'a.test')
        .executeTakeFirstOrThrow()
      t.equal(row.hostId, host.id)
      t.equal(row.emailAuthFactor, false)
      await t.rejects(
        d.db
          .insertInto('pds_host')
          .values({
            url: 'http://localhost:2',
            did: 'did:web:pds2',
            status: 'bogus' as never,
            weight: 1,
            accountCap: null,
            healthy: true,
            consecutiveFailures: 0,
            internalUrl: null,
            lastCheckAt: null,
            lastError: null,
            version: null,
            createdAt: now,
            updatedAt: now,
          })
          .execute(),
        'status is constrained',
      )
    },
  )

  t.test(
    `${target.name}: two live creations for one handle cannot coexist`,
    { skip: target.skip },
    async (t) => {
      const d = await target.open()
      t.teardown(() => d.close())
      const now = new Date().toISOString()
      const row = (id: string) => ({
        id,
        handle: 'bob.test',
        email: null,
        requestKey: id,
        did: null,
        hostId: null,
        signingKey: null,
        plcOp: null,
        inviteCode: null,
        state: 'pending' as const,
        error: null,
        createdAt: now,
        updatedAt: now,
      })
      await d.db.insertInto('account_creation').values(row('one')).execute()
      await t.rejects(d.db.insertInto('account_creation').values(row('two')).execute())
      await d.db
        .updateTable('account_creation')
        .set({ state: 'failed' })
        .where('id', '=', 'one')
        .execute()
      await d.db.insertInto('account_creation').values(row('three')).execute()
      t.pass('a failed creation frees the handle')
    },
  )
}
