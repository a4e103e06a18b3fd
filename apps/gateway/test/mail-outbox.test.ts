import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startMailSink, type MailSink, type SinkMessage } from '@entryway/testkit'
import { RawClient, headlessAuthorize } from '../../../packages/oauth/test/raw-client.js'
import { abuseGateway } from './abuse/helpers.js'

// Issue #17, mail that is not lost: the gateway with a real SMTP server (the testkit's mail sink),
// an operator's template folder, and the sink stopped and restarted on the same port while a 2FA
// code is asked for. Without SMTP, flows that must mail answer at once.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
  email: 'alice@mail.test',
}
const CODE = /[A-Z2-7]{5}-[A-Z2-7]{5}/

async function waitForMail(sink: MailSink, count: number, ms: number): Promise<SinkMessage> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const all = sink.messages().filter((m) => m.to.includes(ALICE.email))
    if (all.length >= count) return all[count - 1]!
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no mail #${count} to ${ALICE.email} within ${ms} ms`)
}

t.test("a 2FA code uses the operator's template, and survives an SMTP outage", async (t) => {
  let sink = await startMailSink()
  t.teardown(() => sink.stop())
  const dir = mkdtempSync(join(tmpdir(), 'entryway-mail-templates-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'signInCode.subject.txt'), '{{serviceName}} sign-in code: {{code}}\n')
  writeFileSync(
    join(dir, 'signInCode.html'),
    '<p>Hi @{{handle}}, your code for {{serviceName}} is <b>{{code}}</b>. {{link}}</p>',
  )
  const g = await abuseGateway(t, [ALICE], {
    ENTRYWAY_SMTP_URL: sink.smtpUrl,
    ENTRYWAY_MAIL_TEMPLATES_DIR: dir,
    ENTRYWAY_SERVICE_NAME: 'Example <Social>',
    // quick rounds: the outage below lasts about a second
    ENTRYWAY_OUTBOX_INTERVAL_MS: '100',
    ENTRYWAY_OUTBOX_BACKOFF_MS: '100',
    ENTRYWAY_OUTBOX_MAX_BACKOFF_MS: '400',
  })
  const db = g.gw.database.db
  await db
    .updateTable('account')
    .set({ emailAuthFactor: true })
    .where('did', '=', ALICE.did)
    .execute()
  const login = (authFactorToken?: string) =>
    g.post('com.atproto.server.createSession', {
      identifier: ALICE.handle,
      password: ALICE.password,
      ...(authFactorToken ? { authFactorToken } : {}),
    })

  const first = await login()
  t.equal(first.status, 401)
  t.equal(first.body.error, 'AuthFactorTokenRequired')
  const mail = await waitForMail(sink, 1, 5_000)
  const code = mail.subject.match(CODE)?.[0]
  t.equal(mail.subject, `Example <Social> sign-in code: ${code}`, "the operator's subject")
  t.equal(
    mail.html?.trim(),
    `<p>Hi @${ALICE.handle}, your code for Example &#60;Social&#62; is <b>${code}</b>. ${g.url}</p>`,
    "the operator's HTML, values escaped, the link the public URL",
  )
  t.match(mail.text, /Enter this code to finish signing in/, 'the built-in text part')
  t.match(mail.text, code!, 'the same code')
  t.equal((await login(code)).status, 200, 'the code signs in')

  // SMTP goes away; a code asked for now waits in the outbox
  const port = sink.smtpPort
  await sink.stop()
  const during = await login()
  t.equal(during.status, 401)
  t.equal(during.body.error, 'AuthFactorTokenRequired', 'the usual answer: the code is on its way')
  const queued = await db.selectFrom('outbox_job').select(['kind', 'key', 'lastError']).execute()
  t.equal(queued.length, 1, 'one job')
  t.equal(queued[0]?.kind, 'mail.token')
  t.match(queued[0]?.lastError, /ECONNREFUSED/, 'its failure kept for an operator')
  t.notMatch(queued[0]?.key, CODE, 'the key does not hold the code')
  await new Promise((r) => setTimeout(r, 1_000))

  sink = await startMailSink({ smtpPort: port })
  const back = Date.now()
  const late = await waitForMail(sink, 1, 10_000)
  const ms = Date.now() - back
  t.ok(ms < 5_000, `arrived ${ms} ms after SMTP came back`)
  const lateCode = late.subject.match(CODE)?.[0]
  t.ok(lateCode && lateCode !== code, 'a new code')
  t.equal((await login(lateCode)).status, 200, 'the late code signs in')
  const left = await db.selectFrom('outbox_job').select('id').execute()
  t.same(left, [], 'the job is done')

  // the OAuth sign-in mails its code the same way (same template, same outbox)
  const client = await RawClient.create(g.url)
  const { requestUri } = await client.par()
  const r = await headlessAuthorize(client.issuer, client.authorizeUrl(requestUri), {
    username: ALICE.handle,
    password: ALICE.password,
    emailOtp: async () => (await waitForMail(sink, 2, 5_000)).subject.match(CODE)![0],
  })
  t.ok(r.code, `OAuth sign-in with the mailed code (${r.error ?? 'ok'})`)
  t.match((await waitForMail(sink, 2, 1_000)).subject, /^Example <Social> sign-in code: /)
})

t.test('without SMTP, flows that must mail answer 501 at once', async (t) => {
  const g = await abuseGateway(t, [ALICE])
  const db = g.gw.database.db
  await db
    .updateTable('account')
    .set({ emailAuthFactor: true })
    .where('did', '=', ALICE.did)
    .execute()
  const signIn = await g.post('com.atproto.server.createSession', {
    identifier: ALICE.handle,
    password: ALICE.password,
  })
  t.equal(signIn.status, 501, '2FA sign-in: a clear error, not a code that never comes')
  t.equal(signIn.body.error, 'MethodNotImplemented')
  t.match(signIn.body.message, /cannot send email/)
  const wrong = await g.post('com.atproto.server.createSession', {
    identifier: ALICE.handle,
    password: 'wrong',
  })
  t.equal(wrong.status, 401, 'a wrong password learns nothing more')
  const known = await g.post('com.atproto.server.requestPasswordReset', { email: ALICE.email })
  const unknown = await g.post('com.atproto.server.requestPasswordReset', {
    email: 'nobody@mail.test',
  })
  t.equal(known.status, 501)
  t.same(known, unknown, 'password reset: the same answer for a known and an unknown address')
  const client = await RawClient.create(g.url)
  const { requestUri } = await client.par()
  const oauth = await headlessAuthorize(client.issuer, client.authorizeUrl(requestUri), {
    username: ALICE.handle,
    password: ALICE.password,
    emailOtp: () => 'never-asked',
  })
  t.match(oauth, { error: 'temporarily_unavailable', status: 503 }, 'OAuth sign-in: said at once')
  t.same(await db.selectFrom('email_token').select('did').execute(), [], 'no code stored')
  t.same(await db.selectFrom('outbox_job').select('id').execute(), [], 'nothing queued')
})
