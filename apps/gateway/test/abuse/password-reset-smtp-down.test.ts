import t from 'tap'
import { Worker } from 'node:worker_threads'
import { freePort } from '../in-process-gateway.js'
import { abuseGateway } from './helpers.js'

// Finding 13b: with SMTP failing, requestPasswordReset answered a known email with an error
// (and after a mail attempt) and an unknown one with a quick 200. Both now get the same empty 200
// before any lookup or sending. The mail sink here is stopped: SMTP points at a closed port.

const ALICE = {
  did: 'did:plc:alice0000000000000000000',
  handle: 'alice.example.test',
  password: 'alice-pass',
  email: 'alice@mail.test',
}
const PAIRS = 4 // EMAIL_ACCOUNT allows five reset mails an hour per account; even, for the order
/** One requestPasswordReset, timed to its headers from a worker thread's own event loop. */
async function timeFromWorker(
  base: string,
  email: string,
  ip: string,
): Promise<{ status: number; body: string; ms: number }> {
  const worker = new Worker(
    `const { parentPort, workerData: w } = require('node:worker_threads')
    ;(async () => {
      const start = performance.now()
      const res = await fetch(w.url, { method: 'POST', body: w.body,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': w.ip } })
      const ms = performance.now() - start
      parentPort.postMessage({ status: res.status, body: await res.text(), ms })
    })()`,
    {
      eval: true,
      workerData: {
        url: `${base}/xrpc/com.atproto.server.requestPasswordReset`,
        body: JSON.stringify({ email }),
        ip,
      },
    },
  )
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
  } finally {
    await worker.terminate()
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

t.test(
  'known and unknown emails get the same answer at the same speed while SMTP is down',
  async (t) => {
    const smtpPort = await freePort()
    const g = await abuseGateway(t, [ALICE], { ENTRYWAY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}` })
    // Timed from a worker thread, as a remote client would see it: the gateway runs in this
    // process, and the lookup and mail attempt that follow a known address's answer would
    // otherwise hold up this thread's reading of the answer and be counted as the server's time.
    const timed = (email: string, i: number) => timeFromWorker(g.url, email, `203.0.113.${50 + i}`)
    const known: Array<Awaited<ReturnType<typeof timed>>> = []
    const unknown: Array<Awaited<ReturnType<typeof timed>>> = []
    // interleaved pairs: a loaded machine slows both of a pair alike, so their differences stay honest
    // the first request of a fresh gateway pays for warming up: not part of either side
    await timed('warm-up@mail.test', 200)
    // Each pair shares a fresh client address, whose first request pays for creating its limit
    // counters: the order alternates so that cost falls on both sides alike.
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        known.push(await timed(ALICE.email, i))
        unknown.push(await timed(`nobody${i}@mail.test`, i))
      } else {
        unknown.push(await timed(`nobody${i}@mail.test`, i))
        known.push(await timed(ALICE.email, i))
      }
    }
    t.same(
      known.map((r) => r.status),
      Array(PAIRS).fill(200),
      'known: 200',
    )
    t.same(
      unknown.map((r) => r.status),
      Array(PAIRS).fill(200),
      'unknown: 200',
    )
    t.same(
      known.map((r) => r.body),
      unknown.map((r) => r.body),
      'the same body',
    )
    const [k, u] = [median(known.map((r) => r.ms)), median(unknown.map((r) => r.ms))]
    const gap = median(known.map((r, i) => r.ms - unknown[i]!.ms))
    t.ok(
      Math.abs(gap) < 50,
      `median gap within a pair ${gap.toFixed(1)} ms (medians ${k.toFixed(1)} ms vs ${u.toFixed(1)} ms)`,
    )
  },
)
