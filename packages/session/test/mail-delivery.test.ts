import t from 'tap'
import {
  MailTemplates,
  MemoryEmailTokenStore,
  MemoryMailer,
  MemoryOutboxStore,
  OutboxWorker,
  TOKEN_EMAIL_JOB,
  TokenEmails,
  sessionJobHandlers,
  type MailMessage,
} from '../src/index.js'
import { bearer, buildTestApp, settle } from './helpers.js'

type Env = Awaited<ReturnType<typeof buildTestApp>>
const post = (env: Env, nsid: string, token: string | null, payload?: object) =>
  env.app.inject({
    method: 'POST',
    url: `/xrpc/${nsid}`,
    headers: token ? bearer(token) : {},
    ...(payload ? { payload } : {}),
  })
const quiet = { info() {}, warn() {}, error() {} }
const CODE = /[A-Z2-7]{5}-[A-Z2-7]{5}/

t.test('without a mail server, every flow that must mail answers 501 at once', async (t) => {
  const env = await buildTestApp(t, { mailer: null })
  const u = await env.addUser({ confirmed: true })
  const s = (await env.login(u.handle, u.password)).json()
  for (const nsid of [
    'com.atproto.server.requestEmailConfirmation',
    'com.atproto.server.requestEmailUpdate',
    'com.atproto.server.requestAccountDelete',
    'com.atproto.identity.requestPlcOperationSignature',
  ]) {
    const res = await post(env, nsid, s.accessJwt)
    t.equal(res.statusCode, 501, nsid)
    t.equal(res.json().error, 'MethodNotImplemented', nsid)
    t.match(res.json().message, /cannot send email/, nsid)
  }
  t.equal((await env.emailTokens.find(u.did, 'confirm_email', 'x')) ?? null, null)

  // password reset: the same answer whether the address has an account or not
  const known = await post(env, 'com.atproto.server.requestPasswordReset', null, {
    email: u.email,
  })
  const unknown = await post(env, 'com.atproto.server.requestPasswordReset', null, {
    email: 'nobody@mail.test',
  })
  t.equal(known.statusCode, 501)
  t.equal(known.body, unknown.body, 'uniform')

  // turning 2FA on would lock the account out
  const on = await post(env, 'com.atproto.server.updateEmail', s.accessJwt, {
    email: u.email,
    emailAuthFactor: true,
  })
  t.equal(on.statusCode, 501)
  t.equal((await env.accounts.getByDid(u.did))?.emailAuthFactor, false)

  // an account with 2FA on: the right password gets the clear error, a wrong one the usual 401
  const tfa = await env.addUser({ confirmed: true, emailAuthFactor: true })
  const wrong = await env.login(tfa.handle, 'wrong-password')
  t.equal(wrong.statusCode, 401)
  const right = await env.login(tfa.handle, tfa.password)
  t.equal(right.statusCode, 501)
  t.match(right.json().message, /signing in to an account with email sign-in codes/)
  // accounts without 2FA sign in as before
  t.equal((await env.login(u.handle, u.password)).statusCode, 200)
})

/** A mail server that can be taken down and brought back. */
class FlakyMailer extends MemoryMailer {
  down = false
  override async send(msg: MailMessage): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:25')
    await super.send(msg)
  }
}

async function outboxApp(t: Parameters<typeof buildTestApp>[0]) {
  const mailer = new FlakyMailer()
  const emailTokens = new MemoryEmailTokenStore()
  const store = new MemoryOutboxStore()
  const clock = { now: Date.now() }
  const tokenEmails = new TokenEmails({
    mailer,
    templates: new MailTemplates(),
    emailTokens,
    serviceName: 'Example Social',
    serviceUrl: 'https://example.social',
    ttlMs: 15 * 60_000,
    now: () => clock.now,
  })
  const worker = new OutboxWorker({
    store,
    handlers: sessionJobHandlers({ tombstone: async () => {} } as never, {
      tokenEmails,
      log: quiet,
    }),
    log: quiet,
    backoffMs: 1,
    now: () => clock.now,
  })
  const env = await buildTestApp(t, { mailer, emailTokens, outbox: worker, now: () => clock.now })
  const later = async (ms: number) => {
    clock.now += ms
    return worker.runDue()
  }
  return { env, mailer, emailTokens, store, later, clock }
}

t.test('a 2FA code asked for while SMTP is down arrives when it is back', async (t) => {
  const { env, mailer, store, later } = await outboxApp(t)
  const u = await env.addUser({ confirmed: true, emailAuthFactor: true })
  mailer.down = true
  const first = await env.login(u.handle, u.password)
  t.equal(first.statusCode, 401)
  t.equal(first.json().error, 'AuthFactorTokenRequired', 'the usual answer: a code is on its way')
  t.equal(mailer.sent.length, 0)
  const [job] = await store.list()
  t.equal(job?.kind, TOKEN_EMAIL_JOB)
  t.match(job?.lastError, /ECONNREFUSED/, 'the failure is kept for an operator')
  t.notMatch(job?.key, CODE, 'the job key does not hold the code')

  t.equal(await later(10), 0, 'still down: retried, not sent')
  mailer.down = false
  t.equal(await later(10), 1, 'back: sent by the next round')
  const code = mailer.lastTo(u.email)?.text.match(CODE)?.[0]
  t.ok(code, 'the mail holds the code')
  t.equal((await env.login(u.handle, u.password, { authFactorToken: code })).statusCode, 200)
  t.same(await store.list(), [], 'the job is gone')
})

t.test('a queued mail whose code was replaced, or expired, is dropped', async (t) => {
  const { env, mailer, store, later } = await outboxApp(t)
  const u = await env.addUser({ confirmed: true, emailAuthFactor: true })
  mailer.down = true
  await env.login(u.handle, u.password)
  await env.login(u.handle, u.password)
  t.equal((await store.list()).length, 2, 'two codes, two jobs')
  mailer.down = false
  await later(10)
  t.equal(mailer.sent.length, 1, 'only the live code is mailed')
  const code = mailer.sent[0]!.text.match(CODE)![0]
  t.equal((await env.login(u.handle, u.password, { authFactorToken: code })).statusCode, 200)

  mailer.down = true
  await env.login(u.handle, u.password)
  mailer.down = false
  await later(16 * 60_000)
  t.equal(mailer.sent.length, 1, 'expired while SMTP was down: not mailed')
  t.same(await store.list(), [])
  await settle()
})
