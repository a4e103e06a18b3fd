import t from 'tap'
import { startMailSink } from '@entryway/testkit'
import { abuseGateway } from './helpers.js'

// Finding 7: requestEmailConfirmation (code mailed to A) → updateEmail to B (no code needed while
// unconfirmed) → confirmEmail with B and A's code → 200, and B read as confirmed. A change of
// address now deletes every outstanding code (as the PDS does), so a code only ever confirms the
// address it was sent to.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
  email: 'alice@mail.test',
}

t.test('a confirmation code sent to A cannot confirm B after a change of address', async (t) => {
  // a real mail server: without one, requestEmailConfirmation answers 501
  const sink = await startMailSink()
  t.teardown(() => sink.stop())
  const g = await abuseGateway(t, [ALICE], { ENTRYWAY_SMTP_URL: sink.smtpUrl })
  const db = g.gw.database.db
  await db
    .updateTable('account')
    .set({ emailConfirmedAt: null })
    .where('did', '=', ALICE.did)
    .execute()
  const s = await g.post('com.atproto.server.createSession', {
    identifier: ALICE.handle,
    password: ALICE.password,
  })
  t.equal(s.status, 200)
  const auth = `Bearer ${s.body.accessJwt}`

  t.equal(
    (await g.post('com.atproto.server.requestEmailConfirmation', {}, { auth })).status,
    200,
    'code mailed to A',
  )
  const sent = await db
    .selectFrom('email_token')
    .select('token')
    .where('did', '=', ALICE.did)
    .where('purpose', '=', 'confirm_email')
    .executeTakeFirstOrThrow()
  t.equal(
    (await g.post('com.atproto.server.updateEmail', { email: 'victim@mail.test' }, { auth }))
      .status,
    200,
    'address changed to B, no code needed',
  )
  const squat = await g.post(
    'com.atproto.server.confirmEmail',
    { email: 'victim@mail.test', token: sent.token },
    { auth },
  )
  t.equal(squat.status, 400, "A's code does not confirm B")
  t.equal(squat.body.error, 'InvalidToken')
  const session = await g.get('com.atproto.server.getSession', { auth })
  t.equal(session.body.email, 'victim@mail.test')
  t.notOk(session.body.emailConfirmed, 'B is not confirmed')
  const left = await db
    .selectFrom('email_token')
    .select('purpose')
    .where('did', '=', ALICE.did)
    .execute()
  t.same(left, [], 'no code of the account outlives the change')

  // the honest path still works: a code requested for B confirms B
  t.equal((await g.post('com.atproto.server.requestEmailConfirmation', {}, { auth })).status, 200)
  const fresh = await db
    .selectFrom('email_token')
    .select('token')
    .where('did', '=', ALICE.did)
    .where('purpose', '=', 'confirm_email')
    .executeTakeFirstOrThrow()
  t.equal(
    (
      await g.post(
        'com.atproto.server.confirmEmail',
        { email: 'victim@mail.test', token: fresh.token },
        { auth },
      )
    ).status,
    200,
  )
})
