import t from 'tap'
import type {
  AccountStatus,
  AccountStore,
  AppPasswordStore,
  EmailTokenStore,
  SessionAccount,
  SessionRefreshStore,
} from '../src/index.js'

/** One backing of the session stores, with the writes placement and moderation make in their place. */
export interface SessionStoreSet {
  accounts: AccountStore
  appPasswords: AppPasswordStore
  emailTokens: EmailTokenStore
  refreshTokens: SessionRefreshStore
  /** Inserts an account as placement does. */
  addAccount(a: SessionAccount): Promise<void>
  /** Sets an account's status behind the store's back (a takedown written by another path). */
  setStatus(did: string, status: AccountStatus): Promise<void>
  close(): Promise<void>
}

export interface SessionStoreTarget {
  name: string
  /** Why this target cannot run here (a database that is not configured), or false. */
  skip?: string | false
  open(): Promise<SessionStoreSet>
}

export const CONFORMANCE_HOST = {
  url: 'http://localhost:2999',
  did: 'did:web:pds1.test',
  internalUrl: 'http://10.0.0.1:2583',
}

const account = (did: string, handle: string, email: string): SessionAccount => ({
  did,
  handle,
  email,
  emailConfirmedAt: null,
  emailAuthFactor: false,
  passwordScrypt: 'aa:bb',
  status: 'active',
  deactivatedAt: null,
  takedownRef: null,
  host: { id: 0, ...CONFORMANCE_HOST },
})

/** What every implementation of the session store interfaces must do, whatever it stores in. */
export function sessionStoreConformance(target: SessionStoreTarget): void {
  t.test(`session stores on ${target.name}`, { skip: target.skip }, async (t) => {
    const set = await target.open()
    t.teardown(() => set.close())
    await set.addAccount(account('did:plc:alice', 'alice.test', 'alice@mail.test'))
    await set.addAccount(account('did:plc:bob', 'bob.test', 'bob@mail.test'))

    t.test('accounts: lookups by handle, email, DID; updates; deleted are hidden', async (t) => {
      const s = set.accounts
      const a = await s.findByIdentifier('ALICE.test')
      t.match(a, {
        did: 'did:plc:alice',
        email: 'alice@mail.test',
        status: 'active',
        host: { did: 'did:web:pds1.test', internalUrl: 'http://10.0.0.1:2583' },
      })
      t.equal((await s.findByIdentifier('alice@MAIL.test'))?.did, 'did:plc:alice')
      t.equal((await s.findByIdentifier('did:plc:alice'))?.handle, 'alice.test')
      t.equal(await s.findByIdentifier('nobody.test'), null)
      t.equal(await s.updateEmail('did:plc:alice', 'bob@mail.test'), 'taken')
      await s.confirmEmail('did:plc:alice', '2026-01-01T00:00:00.000Z')
      await s.setEmailAuthFactor('did:plc:alice', true)
      t.equal((await s.getByDid('did:plc:alice'))?.emailAuthFactor, true)
      t.equal(await s.updateEmail('did:plc:alice', 'Alice2@mail.test'), 'ok')
      t.match(await s.getByDid('did:plc:alice'), {
        email: 'alice2@mail.test',
        emailConfirmedAt: null,
        emailAuthFactor: false,
      })
      await s.updatePassword('did:plc:alice', 'cc:dd')
      t.equal((await s.getByDid('did:plc:alice'))?.passwordScrypt, 'cc:dd')
      await s.setDeactivated('did:plc:alice', true, '2026-01-02T00:00:00.000Z')
      t.match(await s.getByDid('did:plc:alice'), {
        status: 'deactivated',
        deactivatedAt: '2026-01-02T00:00:00.000Z',
      })
      await set.setStatus('did:plc:alice', 'takendown')
      await s.setDeactivated('did:plc:alice', false, '2026-01-03T00:00:00.000Z')
      t.match(
        await s.getByDid('did:plc:alice'),
        { status: 'takendown', deactivatedAt: null },
        'a takedown is kept',
      )
      await s.setTakedown('did:plc:alice', null, '2026-01-03T01:00:00.000Z')
      t.match(
        await s.getByDid('did:plc:alice'),
        { status: 'active', takedownRef: null },
        'reversal: back to active',
      )
      await s.setDeactivated('did:plc:alice', true, '2026-01-03T02:00:00.000Z')
      await s.setTakedown('did:plc:alice', 'ticket-7', '2026-01-03T03:00:00.000Z')
      t.match(await s.getByDid('did:plc:alice'), { status: 'takendown', takedownRef: 'ticket-7' })
      await s.setTakedown('did:plc:alice', null, '2026-01-03T04:00:00.000Z')
      t.match(
        await s.getByDid('did:plc:alice'),
        { status: 'deactivated', takedownRef: null },
        'reversal keeps a deactivation',
      )
      await s.setDeactivated('did:plc:alice', false, '2026-01-03T05:00:00.000Z')
      await s.markDeleted('did:plc:bob', '2026-01-04T00:00:00.000Z')
      t.equal(await s.getByDid('did:plc:bob'), null)
      t.equal(await s.findByIdentifier('bob.test'), null)
    })

    t.test(
      'accounts: admin search by email or handle prefix, DID-ordered pages, deleted hidden',
      async (t) => {
        await set.addAccount(account('did:plc:s1', 'search-one.test', 'zed1@mail.test'))
        await set.addAccount(account('did:plc:s2', 'zed-two.test', 'two@mail.test'))
        await set.addAccount(account('did:plc:s3', 'search%3.test', 'three@mail.test'))
        const s = set.accounts
        t.same(
          (await s.search({ prefix: 'ZED', limit: 10 })).accounts.map((a) => a.did),
          ['did:plc:s1', 'did:plc:s2'],
          'email or handle, any case',
        )
        t.same(
          (await s.search({ prefix: 'search%', limit: 10 })).accounts.map((a) => a.did),
          ['did:plc:s3'],
          'LIKE wildcards are literal',
        )
        t.same(
          (await s.search({ prefix: 'search_', limit: 10 })).accounts.map((a) => a.did),
          [],
          'LIKE wildcards are literal (_)',
        )
        const p1 = await s.search({ limit: 2 })
        t.equal(p1.accounts.length, 2)
        t.ok(p1.cursor, 'a cursor when there is more')
        const rest = await s.search({ limit: 100, cursor: p1.cursor })
        t.notOk(rest.cursor, 'no cursor on the last page')
        const all = [...p1.accounts, ...rest.accounts].map((a) => a.did)
        t.same(all, [...all].sort(), 'ordered by DID')
        t.notOk(all.includes('did:plc:bob'), 'deleted accounts are not found')
        t.ok(all.includes('did:plc:s3') && all.includes('did:plc:alice'))
      },
    )

    t.test('app passwords', async (t) => {
      const s = set.appPasswords
      const rec = {
        name: 'a',
        passwordScrypt: 'x:y',
        privileged: true,
        createdAt: '2026-01-01T00:00:00.000Z',
      }
      t.equal(await s.create('did:plc:alice', rec), true)
      t.equal(await s.create('did:plc:alice', rec), false, 'duplicate name')
      t.same(await s.findByHash('did:plc:alice', 'x:y'), rec)
      t.equal(await s.findByHash('did:plc:bob', 'x:y'), null)
      t.equal((await s.list('did:plc:alice')).length, 1)
      t.equal(await s.delete('did:plc:alice', 'a'), true)
      t.equal(await s.delete('did:plc:alice', 'a'), false)
    })

    t.test('email tokens: replace, single use under concurrency', async (t) => {
      const s = set.emailTokens
      await s.put({
        did: 'did:plc:alice',
        purpose: 'reset_password',
        token: 'AAAAA-AAAAA',
        requestedAt: '2026-01-01T00:00:00.000Z',
      })
      await s.put({
        did: 'did:plc:alice',
        purpose: 'reset_password',
        token: 'BBBBB-BBBBB',
        requestedAt: '2026-01-01T00:01:00.000Z',
      })
      t.equal(await s.find('did:plc:alice', 'reset_password', 'AAAAA-AAAAA'), null, 'replaced')
      const uses = await Promise.all(
        Array.from({ length: 5 }, () => s.consumeByToken('reset_password', 'BBBBB-BBBBB')),
      )
      t.equal(uses.filter(Boolean).length, 1)
      t.equal(uses.find(Boolean)?.did, 'did:plc:alice')
      await s.put({
        did: 'did:plc:alice',
        purpose: 'two_factor',
        token: 'CCCCC-CCCCC',
        requestedAt: '2026-01-01T00:00:00.000Z',
      })
      t.equal(
        await s.consume('did:plc:bob', 'two_factor', 'CCCCC-CCCCC'),
        null,
        'another account cannot use it',
      )
      t.ok(await s.consume('did:plc:alice', 'two_factor', 'CCCCC-CCCCC'))
      await s.put({
        did: 'did:plc:alice',
        purpose: 'confirm_email',
        token: 'DDDDD-DDDDD',
        requestedAt: '2026-01-01T00:00:00.000Z',
      })
      await s.deleteAll('did:plc:alice')
      t.equal(await s.find('did:plc:alice', 'confirm_email', 'DDDDD-DDDDD'), null)
    })

    t.test(
      'refresh tokens: concurrent rotations converge, revoke takes predecessors',
      async (t) => {
        const s = set.refreshTokens
        const far = '2099-01-01T00:00:00.000Z'
        await s.insert({ id: 'r1', did: 'did:plc:alice', appPasswordName: null, expiresAt: far })
        const results = await Promise.all(
          ['n1', 'n2', 'n3', 'n4'].map((nextId) =>
            s.rotate({
              id: 'r1',
              expiresAt: '2098-01-01T00:00:00.000Z',
              nextId,
              successor: {
                id: nextId,
                did: 'did:plc:alice',
                appPasswordName: null,
                expiresAt: far,
              },
            }),
          ),
        )
        t.equal(results.filter(Boolean).length, 1, 'one rotation wins')
        const winner = (await s.get('r1'))!.nextId!
        t.ok(
          await s.rotate({
            id: 'r1',
            expiresAt: '2098-01-01T00:00:00.000Z',
            nextId: winner,
            successor: { id: winner, did: 'did:plc:alice', appPasswordName: null, expiresAt: far },
          }),
          'same successor is accepted again',
        )
        const losers = ['n1', 'n2', 'n3', 'n4'].filter((id) => id !== winner)
        t.same(
          await Promise.all(losers.map((id) => s.get(id))),
          [null, null, null],
          'no successor of a losing rotation was stored',
        )
        t.ok(await s.get(winner))
        t.equal(await s.revoke(winner), true)
        t.equal(await s.get('r1'), null, 'the predecessor went with it')
        await s.insert({ id: 'ap1', did: 'did:plc:alice', appPasswordName: 'app', expiresAt: far })
        await s.insert({
          id: 'old',
          did: 'did:plc:alice',
          appPasswordName: null,
          expiresAt: '2000-01-01T00:00:00.000Z',
        })
        await s.deleteExpired('did:plc:alice', new Date().toISOString())
        t.equal(await s.get('old'), null)
        await s.revokeByAppPassword('did:plc:alice', 'app')
        t.equal(await s.get('ap1'), null)
        await s.insert({ id: 'x', did: 'did:plc:alice', appPasswordName: null, expiresAt: far })
        await s.revokeByDid('did:plc:alice')
        t.equal(await s.get('x'), null)
      },
    )
  })
}
