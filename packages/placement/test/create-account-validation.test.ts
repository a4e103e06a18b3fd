import t from 'tap'
import { alice, build, signup } from './helpers.js'

t.test('input errors are 400 with the lexicon error names, and touch nothing', async (t) => {
  const { app, pds, store } = await build(t)
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...alice, handle: 'not a handle' }, 'InvalidHandle'],
    [{ ...alice, handle: 'alice.elsewhere.com' }, 'UnsupportedDomain'],
    [{ ...alice, handle: 'al.test' }, 'InvalidHandle'],
    [{ ...alice, handle: 'a-very-long-handle-label.test' }, 'InvalidHandle'],
    [{ ...alice, handle: 'sub.alice.test' }, 'InvalidHandle'],
    [{ ...alice, handle: 'admin.test' }, 'HandleNotAvailable'],
    [{ ...alice, email: 'nope' }, 'InvalidEmail'],
    [{ ...alice, email: 'a@b' }, 'InvalidEmail'],
    [{ ...alice, email: undefined }, 'InvalidEmail'],
    [{ ...alice, password: undefined }, 'InvalidPassword'],
    [{ ...alice, password: '' }, 'InvalidPassword'],
    [{ ...alice, password: 'x'.repeat(257) }, 'InvalidPassword'],
    [{ ...alice, recoveryKey: 'not-a-key' }, 'InvalidRequest'],
    [{ ...alice, plcOp: { type: 'plc_operation' } }, 'InvalidRequest'],
    [{ ...alice, handle: 42 }, 'InvalidRequest'],
  ]
  for (const [body, error] of cases) {
    const res = await signup(app, body)
    t.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} → 400`)
    t.equal(res.json().error, error, `→ ${error}`)
  }
  t.same(pds.calls, [], 'no PDS call for bad input')
  t.equal(store.signups.size, 0, 'no sign-up row')
})

t.test('a taken handle or email is refused before any PDS call', async (t) => {
  const { app, pds } = await build(t)
  t.equal((await signup(app, alice)).statusCode, 200)
  pds.calls = []
  const h = await signup(app, { ...alice, email: 'other@example.com', password: 'different' })
  t.equal(h.statusCode, 400)
  t.equal(h.json().error, 'HandleNotAvailable')
  const e = await signup(app, { ...alice, handle: 'alice2.test', email: 'ALICE@example.com' })
  t.equal(e.statusCode, 400)
  t.match(e.json().message, /Email already taken/)
  t.same(pds.calls, [])
})

t.test('invite codes when required', async (t) => {
  const { app, store } = await build(t, { inviteRequired: true })
  const none = await signup(app, alice)
  t.equal(none.json().error, 'InvalidInviteCode')
  const bad = await signup(app, { ...alice, inviteCode: 'nope' })
  t.equal(bad.json().error, 'InvalidInviteCode')
  await store.createCodes([
    { code: 'one-use', availableUses: 1, forAccount: 'admin', createdBy: 'admin' },
  ])
  const ok = await signup(app, { ...alice, inviteCode: 'one-use' })
  t.equal(ok.statusCode, 200)
  t.equal((await store.getCode('one-use'))?.uses.length, 1, 'use recorded')
  const used = await signup(app, {
    handle: 'bob.test',
    email: 'bob@example.com',
    password: 'pw',
    inviteCode: 'one-use',
  })
  t.equal(used.json().error, 'InvalidInviteCode', 'used up')
  await store.createCodes([
    { code: 'off', availableUses: 5, forAccount: 'admin', createdBy: 'admin' },
  ])
  await store.disableCodes({ codes: ['off'], accounts: [] })
  t.equal(
    (
      await signup(app, {
        handle: 'bob.test',
        email: 'bob@example.com',
        password: 'pw',
        inviteCode: 'off',
      })
    ).json().error,
    'InvalidInviteCode',
  )
})
