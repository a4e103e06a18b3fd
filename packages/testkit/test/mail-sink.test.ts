import nodemailer from 'nodemailer'
import t from 'tap'
import { isPortFree, mailbox, startMailSink } from '../src/index.js'

t.test('stores a message received over SMTP and shows it over HTTP', async (t) => {
  const sink = await startMailSink()
  t.teardown(() => sink.stop())
  const transport = nodemailer.createTransport(sink.smtpUrl)
  t.teardown(() => transport.close())
  await transport.sendMail({
    from: 'Entryway <noreply@entryway.test>',
    to: 'Alice@Example.com',
    subject: 'Confirm your email',
    text: 'Your code is ABCDE-12345',
    html: '<p>Your code is <b>ABCDE-12345</b></p>',
  })
  await transport.sendMail({
    from: 'noreply@entryway.test',
    to: 'bob@example.com',
    subject: 'Hello',
    text: 'hi',
  })

  const all = (await (await fetch(`${sink.httpUrl}/messages`)).json()) as unknown[]
  t.equal(all.length, 2)
  const box = mailbox(sink.httpUrl)
  const toAlice = await box.list({ to: 'alice@example.com' })
  t.equal(toAlice.length, 1)
  t.match(toAlice[0], {
    from: 'noreply@entryway.test',
    to: ['alice@example.com'],
    subject: 'Confirm your email',
    text: /ABCDE-12345/,
    html: /<b>ABCDE-12345<\/b>/,
  })
  t.ok(Date.parse(toAlice[0]!.date))

  const page = await fetch(sink.httpUrl)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  t.match(await page.text(), /Confirm your email/)

  const del = await fetch(`${sink.httpUrl}/messages`, { method: 'DELETE' })
  t.equal(del.status, 204)
  t.same(await box.list(), [])
})

t.test('mailbox.waitFor waits for the message and times out without one', async (t) => {
  const sink = await startMailSink()
  t.teardown(() => sink.stop())
  const box = mailbox(sink.httpUrl)
  const waiting = box.waitFor({ to: 'carol@example.com', subject: /reset/i, timeoutMs: 5_000 })
  const transport = nodemailer.createTransport(sink.smtpUrl)
  t.teardown(() => transport.close())
  await transport.sendMail({
    from: 'a@b.test',
    to: 'carol@example.com',
    subject: 'Welcome',
    text: 'x',
  })
  await transport.sendMail({
    from: 'a@b.test',
    to: 'carol@example.com',
    subject: 'Password reset',
    text: 'code 42',
  })
  t.match(await waiting, { subject: 'Password reset', text: /code 42/ })
  await t.rejects(
    box.waitFor({ to: 'nobody@example.com', timeoutMs: 300 }),
    /no mail to nobody@example.com/,
  )
})

t.test('stop frees both ports', async (t) => {
  const sink = await startMailSink()
  await sink.stop()
  t.ok(await isPortFree(sink.smtpPort))
  t.ok(await isPortFree(sink.httpPort))
})
