import t from 'tap'
import { buildHarness, MOD_DID } from './helpers.js'

t.test('the clock is () => number: sessions and audit rows take their times from it', async (t) => {
  const at = Date.parse('2030-01-02T03:04:05.678Z')
  const h = await buildHarness(t, { now: () => at })
  await h.login(MOD_DID)
  const [session] = [...h.sessions.sessions.values()]
  t.equal(session?.createdAt, '2030-01-02T03:04:05.678Z', 'the session starts at the clock')
  t.equal(session?.expiresAt, '2030-01-03T03:04:05.678Z', 'and lasts the default 24 hours')
  t.equal(h.audit.rows.at(-1)?.at, '2030-01-02T03:04:05.678Z', 'the sign-in is audited at it')
})

t.test('a clock that is not a function is refused at registration', async (t) => {
  await t.rejects(
    buildHarness(t, { now: new Date() as never }),
    /@entryway\/admin-rbac: now must be a function/,
  )
})
