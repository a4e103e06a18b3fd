import t from 'tap'
import { createServer } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import { crawlHostname, RelayCrawlers } from '../src/relay-crawlers.js'

// requestCrawl to relays that record what they are asked: retried with backoff on 5xx/429 and
// when unreachable, not on another 4xx; results reported, never thrown.

const quiet = () => {}
const log = { info: quiet, warn: quiet, error: quiet } as unknown as FastifyBaseLogger

async function recordingRelay(
  t: Tap,
  answers: number[],
): Promise<{ url: string; seen: Array<{ hostname: string; at: number }> }> {
  const seen: Array<{ hostname: string; at: number }> = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/xrpc/com.atproto.sync.requestCrawl')
        return void res.writeHead(404).end()
      seen.push({ hostname: JSON.parse(body).hostname, at: Date.now() })
      const status = answers.shift() ?? 200
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status === 200 ? '{}' : '{"error":"Nope"}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => server.close())
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen }
}
type Tap = { teardown(fn: () => unknown): void }

t.test('a relay answering 503, 429 then 200: three tries, backoff doubling', async (t) => {
  const relay = await recordingRelay(t, [503, 429, 200])
  const c = new RelayCrawlers({ relays: [relay.url], attempts: 4, backoffMs: 50 })
  const [r] = await c.requestCrawl('pds1.example.com', log)
  t.match(r, { relay: relay.url, hostname: 'pds1.example.com', ok: true, attempts: 3 })
  t.same(
    relay.seen.map((s) => s.hostname),
    ['pds1.example.com', 'pds1.example.com', 'pds1.example.com'],
  )
  const gaps = [relay.seen[1]!.at - relay.seen[0]!.at, relay.seen[2]!.at - relay.seen[1]!.at]
  t.ok(gaps[0]! >= 45 && gaps[1]! >= 95, `waits of about 50 then 100 ms (${gaps.join(', ')})`)
})

t.test(
  'a 400 is not retried; an unreachable relay is tried every time; nothing throws',
  async (t) => {
    const refusing = await recordingRelay(t, [400, 400])
    const c = new RelayCrawlers({
      relays: [refusing.url, 'http://127.0.0.1:9'],
      attempts: 3,
      backoffMs: 10,
    })
    const results = await c.requestCrawl('pds2.example.com', log)
    t.match(results[0], { ok: false, attempts: 1, error: '400 Nope' })
    t.match(results[1], { ok: false, attempts: 3, error: 'unreachable' })
    t.equal(refusing.seen.length, 1)
  },
)

t.test('close() ends the waits between retries', async (t) => {
  const relay = await recordingRelay(t, [503, 503, 503])
  const c = new RelayCrawlers({ relays: [relay.url], attempts: 3, backoffMs: 60_000 })
  const pending = c.requestCrawl('pds3.example.com', log)
  await new Promise((r) => setTimeout(r, 200))
  const started = Date.now()
  c.close()
  const [r] = await pending
  t.ok(Date.now() - started < 1000, 'promptly')
  t.match(r, { ok: false, attempts: 1 })
})

t.test(
  'the hostname given to relays is the public host (with a port only when not the default)',
  async (t) => {
    t.equal(crawlHostname('https://pds1.example.com'), 'pds1.example.com')
    t.equal(crawlHostname('https://pds1.example.com:443'), 'pds1.example.com')
    t.equal(crawlHostname('http://localhost:2583'), 'localhost:2583')
  },
)
