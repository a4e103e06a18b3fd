import t from 'tap'
import type { AccountDirectory, HostRegistry, InviteStore, SignupStore } from '../src/index.js'

/** One backing of the placement stores: the four interfaces over one shared state. */
export interface PlacementStoreSet {
  hosts: HostRegistry
  signups: SignupStore
  accounts: AccountDirectory
  invites: InviteStore
  close: () => Promise<void>
}

export interface PlacementStoreTarget {
  name: string
  /** Why this target cannot run here (a database that is not configured), or false. */
  skip?: string | false
  open(): Promise<PlacementStoreSet>
}

const signup = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  handle: `${id}.test`,
  email: `${id}@example.com`,
  requestKey: `key-${id}`,
  passwordScrypt: 'salt:hash',
  inviteCode: null,
  ...over,
})

/** What every implementation of the placement store interfaces must do, whatever it stores in. */
export function placementStoreConformance(target: PlacementStoreTarget): void {
  t.test(`placement stores on ${target.name}`, { skip: target.skip }, async (t) => {
    const { hosts, signups, accounts, invites, close } = await target.open()
    t.teardown(close)

    const h1 = await hosts.add({ url: 'http://localhost:1', did: 'did:web:one', status: 'enabled' })
    const h2 = await hosts.add({
      url: 'http://localhost:2',
      did: 'did:web:two',
      weight: 2,
      accountCap: 10,
    })

    await t.test('host registry', async (t) => {
      t.match(h2, { id: Number, status: 'registered', weight: 2, accountCap: 10, healthy: false })
      await t.rejects(hosts.add({ url: 'http://localhost:1', did: 'did:web:other' }), {
        name: 'HostConflictError',
      })
      t.equal((await hosts.getByDid('did:web:two'))?.id, h2.id)
      t.equal((await hosts.getByUrl('http://localhost:1'))?.id, h1.id)
      t.equal((await hosts.setStatus(h2.id, 'enabled'))?.status, 'enabled')
      t.match(await hosts.update(h2.id, { weight: 3, accountCap: null }), {
        weight: 3,
        accountCap: null,
      })
      const at = new Date().toISOString()
      await hosts.recordHealth(h1.id, { ok: true, at, version: '0.4.1' }, 2)
      t.match(await hosts.get(h1.id), {
        healthy: true,
        consecutiveFailures: 0,
        version: '0.4.1',
        lastCheckAt: at,
      })
      await hosts.recordHealth(h1.id, { ok: false, at, error: 'refused' }, 2)
      t.match(
        await hosts.get(h1.id),
        { healthy: true, consecutiveFailures: 1, lastError: 'refused' },
        'one failure of two tolerated',
      )
      await hosts.recordHealth(h1.id, { ok: false, at, error: 'refused' }, 2)
      t.match(await hosts.get(h1.id), { healthy: false, consecutiveFailures: 2 })
      await hosts.recordHealth(h1.id, { ok: true, at }, 2)
      t.match(await hosts.get(h1.id), { healthy: true, consecutiveFailures: 0, lastError: null })
    })

    await t.test('sign-ups: live uniqueness, conditional moves, completion', async (t) => {
      t.same(await signups.begin(signup('ann')), { ok: true })
      const dupHandle = await signups.begin(signup('x1', { handle: 'ann.test' }))
      t.match(dupHandle, {
        ok: false,
        conflict: 'handle',
        live: { id: 'ann', requestKey: 'key-ann' },
      })
      t.match(await signups.begin(signup('x2', { email: 'ann@example.com' })), {
        ok: false,
        conflict: 'email',
      })
      t.ok(await accounts.isHandleTaken('ann.test'), 'a live sign-up holds the handle')
      t.ok(await accounts.isEmailTaken('ann@example.com'))

      t.ok(
        await signups.advance('ann', 'pending', {
          state: 'key_reserved',
          did: 'did:plc:ann',
          hostId: h1.id,
          signingKey: 'did:key:z',
          plcOp: '{}',
        }),
      )
      t.notOk(
        await signups.advance('ann', 'pending', { state: 'failed' }),
        'only from the expected state',
      )
      t.equal(
        (await hosts.accountCounts()).get(h1.id),
        1,
        'in-flight sign-ups count toward the host',
      )
      t.equal(
        await signups.complete(
          'ann',
          'pending',
          {
            did: 'did:plc:ann',
            handle: 'ann.test',
            email: 'ann@example.com',
            passwordScrypt: 's:h',
            hostId: h1.id,
          },
          null,
        ),
        'stale',
      )
      t.equal(
        await signups.complete(
          'ann',
          'key_reserved',
          {
            did: 'did:plc:ann',
            handle: 'ann.test',
            email: 'ann@example.com',
            passwordScrypt: 's:h',
            hostId: h1.id,
          },
          null,
        ),
        'ok',
      )
      t.match(await signups.get('ann'), { state: 'complete', did: 'did:plc:ann' })
      t.match(await accounts.getByHandle('ann.test'), {
        did: 'did:plc:ann',
        hostId: h1.id,
        status: 'active',
      })
      t.equal((await hosts.accountCounts()).get(h1.id), 1)
      t.match(await signups.findByRequestKey('key-ann'), { id: 'ann', state: 'complete' })

      t.match(
        await signups.begin(signup('y1', { handle: 'ann.test' })),
        { ok: false, conflict: 'handle', live: null },
        'an account holds it',
      )
      // a race that slipped past begin: the account insert is the final judge
      t.same(await signups.begin(signup('bob')), { ok: true })
      t.equal(
        await signups.complete(
          'bob',
          'pending',
          {
            did: 'did:plc:bob',
            handle: 'ann.test',
            email: 'bob@example.com',
            passwordScrypt: 's:h',
            hostId: h1.id,
          },
          null,
        ),
        'handle_taken',
      )
      t.equal(
        await signups.complete(
          'bob',
          'pending',
          {
            did: 'did:plc:bob',
            handle: 'bob.test',
            email: 'ann@example.com',
            passwordScrypt: 's:h',
            hostId: h1.id,
          },
          null,
        ),
        'email_taken',
      )
      t.equal((await signups.get('bob'))?.state, 'pending', 'rolled back')
      t.equal(
        (await signups.listStale(new Date(Date.now() + 1000).toISOString(), 10))
          .map((r) => r.id)
          .join(),
        'bob',
      )
      t.equal((await signups.listStale('2000-01-01T00:00:00.000Z', 10)).length, 0)
      t.ok(await signups.advance('bob', 'pending', { state: 'failed', error: 'test' }))
      t.same(
        await signups.begin(signup('bob2', { handle: 'bob.test', email: 'bob@example.com' })),
        { ok: true },
        'failed rows free the handle',
      )
    })

    await t.test('invites: use counting inside completion, disabled codes, listing', async (t) => {
      await invites.createCodes([
        { code: 'c-one', availableUses: 1, forAccount: 'admin', createdBy: 'admin' },
        { code: 'c-two', availableUses: 2, forAccount: 'did:plc:ann', createdBy: 'admin' },
      ])
      t.same(await signups.begin(signup('cat', { inviteCode: 'c-one' })), { ok: true })
      t.equal(
        await signups.complete(
          'cat',
          'pending',
          {
            did: 'did:plc:cat',
            handle: 'cat.test',
            email: 'cat@example.com',
            passwordScrypt: 's:h',
            hostId: h2.id,
          },
          'c-one',
        ),
        'ok',
      )
      t.same(await signups.begin(signup('dan', { inviteCode: 'c-one' })), { ok: true })
      t.equal(
        await signups.complete(
          'dan',
          'pending',
          {
            did: 'did:plc:dan',
            handle: 'dan.test',
            email: 'dan@example.com',
            passwordScrypt: 's:h',
            hostId: h2.id,
          },
          'c-one',
        ),
        'invite_unavailable',
      )
      t.match(await invites.getCode('c-one'), {
        availableUses: 1,
        uses: [{ usedBy: 'did:plc:cat' }],
      })
      t.equal((await invites.listForAccount('did:plc:ann', { includeUsed: true })).length, 1)
      await invites.disableCodes({ codes: [], accounts: ['did:plc:ann'] })
      t.equal((await invites.getCode('c-two'))?.disabled, true)
      t.equal((await invites.listForAccount('did:plc:ann', { includeUsed: false })).length, 0)
      const byUse = await invites.listCodes({ sort: 'usage', limit: 1 })
      t.equal(byUse.codes[0]?.code, 'c-one')
      t.equal(byUse.cursor, '1')
      t.equal(
        (await invites.listCodes({ sort: 'usage', limit: 1, cursor: byUse.cursor })).codes[0]?.code,
        'c-two',
      )
    })

    await t.test('account directory: handle changes and listing', async (t) => {
      t.equal(await accounts.setHandle('did:plc:cat', 'ann.test'), 'taken')
      t.equal(
        await accounts.setHandle('did:plc:cat', 'bob.test'),
        'taken',
        'held by a live sign-up',
      )
      t.equal(await accounts.setHandle('did:plc:cat', 'cathy.test'), 'ok')
      t.equal((await accounts.getByDid('did:plc:cat'))?.handle, 'cathy.test')
      const p1 = await accounts.list({ limit: 1 })
      t.equal(p1.accounts[0]?.did, 'did:plc:ann')
      t.equal(p1.cursor, 'did:plc:ann')
      t.equal(
        (await accounts.list({ limit: 1, cursor: p1.cursor })).accounts[0]?.did,
        'did:plc:cat',
      )
      t.same(
        (await accounts.list({ limit: 10, hostId: h2.id })).accounts.map((a) => a.did),
        ['did:plc:cat'],
      )
    })

    await t.test('account directory: invites switch', async (t) => {
      t.equal((await accounts.getByDid('did:plc:cat'))?.invitesDisabled, false)
      t.equal(await accounts.setInvitesDisabled('did:plc:cat', true), true)
      t.equal((await accounts.getByDid('did:plc:cat'))?.invitesDisabled, true)
      t.equal(await accounts.setInvitesDisabled('did:plc:cat', false), true)
      t.equal((await accounts.getByDid('did:plc:cat'))?.invitesDisabled, false)
      t.equal(await accounts.setInvitesDisabled('did:plc:nobody', true), false, 'unknown account')
    })
  })
}
