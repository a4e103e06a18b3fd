import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Server as NetServer } from 'node:net'
import { simpleParser, type AddressObject } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/** One message the sink received, as `GET /messages` returns it. */
export interface SinkMessage {
  id: string
  from: string
  to: string[]
  subject: string
  text: string
  html: string | null
  date: string
}

export interface StartMailSinkOptions {
  /** @default 0 (any free port) */
  smtpPort?: number
  /** @default 0 (any free port) */
  httpPort?: number
  /** @default '127.0.0.1' */
  host?: string
  /** Oldest messages are dropped past this many. @default 1000 */
  maxMessages?: number
}

export interface MailSink {
  /** `smtp://127.0.0.1:<port>`: give it to the gateway as `ENTRYWAY_SMTP_URL`. */
  smtpUrl: string
  /** The HTTP API and the page a person reads: `GET /`, `GET /messages[?to=]`, `DELETE /messages`. */
  httpUrl: string
  smtpPort: number
  httpPort: number
  messages(): SinkMessage[]
  stop(): Promise<void>
}

export const DEFAULT_MAX_MESSAGES = 1000
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024

/**
 * A real SMTP server that keeps every message in memory and shows them over HTTP. Accepts any
 * sender, recipient and (optional) credentials; no TLS. Runs in-process here; the lab runs it as
 * its own process through `bin/mail-sink.ts`.
 */
export async function startMailSink(opts: StartMailSinkOptions = {}): Promise<MailSink> {
  const host = opts.host ?? '127.0.0.1'
  const max = opts.maxMessages ?? DEFAULT_MAX_MESSAGES
  const store: SinkMessage[] = []

  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    size: MAX_MESSAGE_BYTES,
    onAuth(_auth, _session, cb) {
      cb(null, { user: 'sink' })
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address.toLowerCase())
          const headerTo = addresses(mail.to)
          const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
          store.push({
            id: randomUUID(),
            from: addresses(mail.from)[0] ?? envelopeFrom,
            to: [...new Set([...envelopeTo, ...headerTo])],
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : null,
            date: (mail.date ?? new Date()).toISOString(),
          })
          if (store.length > max) store.splice(0, store.length - max)
          cb()
        })
        .catch((err: Error) => cb(err))
    },
  })
  smtp.on('error', () => {}) // client errors (dropped connections) must not crash the sink

  const http = createServer((req, res) => handle(req, res, store))
  const smtpPort = await listen(smtp.server, opts.smtpPort ?? 0, host)
  let httpPort: number
  try {
    httpPort = await listen(http, opts.httpPort ?? 0, host)
  } catch (err) {
    await new Promise<void>((r) => smtp.close(() => r()))
    throw err
  }
  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    smtpPort,
    httpPort,
    messages: () => [...store],
    stop: async () => {
      http.closeAllConnections()
      await Promise.all([
        new Promise<void>((r) => http.close(() => r())),
        new Promise<void>((r) => smtp.close(() => r())),
      ])
    },
  }
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return []
  const list = Array.isArray(field) ? field : [field]
  return list.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase())).filter(Boolean)
}

function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function handle(req: IncomingMessage, res: ServerResponse, store: SinkMessage[]) {
  const url = new URL(req.url ?? '/', 'http://sink')
  if (url.pathname === '/_health' && req.method === 'GET') {
    return send(res, 200, 'application/json', JSON.stringify({ ok: true, messages: store.length }))
  }
  if (url.pathname === '/messages' && req.method === 'GET') {
    const to = url.searchParams.get('to')?.toLowerCase()
    const list = to ? store.filter((m) => m.to.includes(to)) : store
    return send(res, 200, 'application/json', JSON.stringify(list))
  }
  if (url.pathname === '/messages' && req.method === 'DELETE') {
    store.length = 0
    return send(res, 204, 'text/plain', '')
  }
  if (url.pathname === '/' && req.method === 'GET') {
    return send(res, 200, 'text/html; charset=utf-8', renderIndex(store))
  }
  return send(res, 404, 'application/json', JSON.stringify({ error: 'NotFound' }))
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  res.end(body)
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

function renderIndex(store: SinkMessage[]): string {
  const rows = [...store]
    .reverse()
    .map(
      (m) => `<article>
  <h2>${escapeHtml(m.subject || '(no subject)')}</h2>
  <p class="meta">${escapeHtml(m.date)} · from ${escapeHtml(m.from)} · to ${escapeHtml(m.to.join(', '))}</p>
  <pre>${escapeHtml(m.text)}</pre>
</article>`,
    )
    .join('\n')
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Lab mail (${store.length})</title>
<meta http-equiv="refresh" content="5">
<style>body{font:15px system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}
article{border-top:1px solid #ccc;padding:.5rem 0}h2{font-size:1.1rem;margin:.3rem 0}
.meta{color:#666;font-size:.85rem;margin:0}pre{white-space:pre-wrap;background:#f6f6f6;padding:.6rem}</style>
</head><body>
<h1>Lab mail sink</h1>
<p>${store.length} message(s), newest first. This page reloads every 5 s. JSON: <a href="/messages">/messages</a> (<code>?to=addr</code>); <code>DELETE /messages</code> empties it.</p>
${rows || '<p><em>No mail yet.</em></p>'}
</body></html>`
}
