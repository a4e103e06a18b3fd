#!/usr/bin/env node
// The lab's mail sink as its own process. Env: MAIL_SINK_SMTP_PORT (default 1025),
// MAIL_SINK_HTTP_PORT (default 8025), MAIL_SINK_HOST (default 127.0.0.1; 0.0.0.0 in a container).
import { startMailSink } from '../mail-sink.js'

const int = (v: string | undefined, d: number) => (v ? Number.parseInt(v, 10) : d)
const sink = await startMailSink({
  smtpPort: int(process.env.MAIL_SINK_SMTP_PORT, 1025),
  httpPort: int(process.env.MAIL_SINK_HTTP_PORT, 8025),
  host: process.env.MAIL_SINK_HOST || '127.0.0.1',
})
process.stdout.write(
  JSON.stringify({ msg: 'mail sink listening', smtp: sink.smtpUrl, http: sink.httpUrl }) + '\n',
)

let stopping = false
const shutdown = async () => {
  if (stopping) return
  stopping = true
  await sink.stop()
}
process.once('SIGTERM', () => void shutdown())
process.once('SIGINT', () => void shutdown())
