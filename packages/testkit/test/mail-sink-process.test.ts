import nodemailer from 'nodemailer'
import t from 'tap'
import { isPortFree, mailbox, spawnMailSink } from '../src/index.js'

t.test('the mail sink runs as its own process (the lab) and stops cleanly', async (t) => {
  const sink = await spawnMailSink({ logDir: t.testdir() })
  let stopped = false
  t.teardown(() => (stopped ? undefined : sink.stop()))
  const transport = nodemailer.createTransport(sink.smtpUrl)
  t.teardown(() => transport.close())
  await transport.sendMail({
    from: 'noreply@entryway.test',
    to: 'dave@example.com',
    subject: 'Sign-in code',
    text: '123456',
  })
  t.match(await mailbox(sink.httpUrl).waitFor({ to: 'dave@example.com', timeoutMs: 5_000 }), {
    subject: 'Sign-in code',
  })
  await sink.stop()
  stopped = true
  t.ok(await isPortFree(sink.smtpPort))
  t.ok(await isPortFree(sink.httpPort))
})
