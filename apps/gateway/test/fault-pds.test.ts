import t from 'tap'
import { request } from 'node:http'
import { startFleet } from '@entryway/testkit'
import {
  median,
  pdsOf,
  round,
  signUp,
  socketsTo,
  within,
  xrpc,
  type Session,
} from './fault-helpers.js'

// Two real PDSes and a gateway process; one PDS is stalled, then killed mid-response, then gone.
// @serial-test: compares throughput side by side, so it runs alone (scripts/run-tests.mjs).
t.setTimeout(540_000)

/** The gateway's upstream deadline in this test (headers and between body chunks). */
const UPSTREAM_TIMEOUT_MS = 2_000
/** Large enough that loopback socket buffers cannot hold it: the download is cut, not finished. */
const BLOB_BYTES = 48 * 1024 * 1024
const ROUND_REQUESTS = 300
const ROUND_CONCURRENCY = 8
const ROUND_PAIRS = 4

t.test(
  'a PDS that stalls, dies mid-response, then refuses: fast XRPC errors, no hang, the other PDS unaffected',
  async (t) => {
    const crashes: string[] = []
    const fleet = await startFleet({
      pdsCount: 2,
      mail: false,
      pdsEnv: { PDS_BLOB_UPLOAD_LIMIT: String(BLOB_BYTES + 1024 * 1024) },
      // the circuit breaker is held off: this test is about each request's own deadline (circuit-breaker-e2e tests the breaker)
      gatewayEnv: {
        ENTRYWAY_PROXY_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
        ENTRYWAY_PROXY_CIRCUIT_THRESHOLD: '1000000',
        ENTRYWAY_LOG_LEVEL: 'warn',
      },
      onUnexpectedExit: (info) => {
        if (info.name.startsWith('gateway'))
          crashes.push(`${info.name}: ${info.code ?? info.signal}\n${info.logTail}`)
      },
    })
    t.teardown(() => fleet.stop())
    const gw = fleet.gateway!
    const E = gw.url
    const [pdsA, pdsB] = fleet.pds as [(typeof fleet.pds)[0], (typeof fleet.pds)[0]]
    const portA = Number(new URL(pdsA.url).port)

    // one account on each PDS (placement spreads sign-ups; bounded)
    const on = new Map<string, Session>()
    for (let i = 0; i < 10 && on.size < 2; i++) {
      const s = await signUp(E, 'fp', i)
      const pds = await pdsOf(fleet.plc.url, s.did)
      if (!on.has(pds)) on.set(pds, s)
    }
    const a = on.get(new URL(pdsA.url).origin)
    const b = on.get(new URL(pdsB.url).origin)
    if (!a || !b) throw new Error('placement did not put an account on each PDS')

    const post = await xrpc(E, 'com.atproto.repo.createRecord', {
      token: b.accessJwt,
      body: {
        repo: b.did,
        collection: 'app.bsky.feed.post',
        record: { text: 'steady', createdAt: new Date().toISOString() },
      },
    })
    t.equal(post.status, 200, 'a record on PDS B')
    const rkeyB = String(post.body!.uri).split('/').pop()!
    const readB = async () =>
      (
        await xrpc(E, 'com.atproto.repo.getRecord', {
          query: { repo: b.did, collection: 'app.bsky.feed.post', rkey: rkeyB },
        })
      ).status
    const readA = (timeoutMs = 15_000) =>
      xrpc(E, 'com.atproto.repo.getRecord', {
        query: { repo: a.did, collection: 'app.bsky.actor.profile', rkey: 'self' },
        timeoutMs,
      })

    // a big blob on PDS A (uploaded straight to the PDS: the Entryway's token is valid there), held by a record
    const blobBytes = Buffer.alloc(BLOB_BYTES, 7)
    const up = await fetch(`${pdsA.url}/xrpc/com.atproto.repo.uploadBlob`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${a.accessJwt}`,
        'content-type': 'application/octet-stream',
      },
      body: blobBytes,
    })
    t.equal(up.status, 200, 'blob uploaded to PDS A')
    const blob = ((await up.json()) as { blob: { ref: { $link: string } } }).blob
    const holder = await xrpc(E, 'com.atproto.repo.createRecord', {
      token: a.accessJwt,
      body: {
        repo: a.did,
        collection: 'com.example.fault.blob',
        record: { $type: 'com.example.fault.blob', file: blob },
      },
    })
    t.equal(holder.status, 200, 'the blob is referenced (so getBlob serves it)')

    // warm the route caches and pools, then take the socket baseline to A
    t.equal((await readA()).status, 400, 'PDS A answers (no profile record: RecordNotFound)')
    for (let i = 0; i < 20; i++) await readB()
    const baselineA = socketsTo(gw.pid, portA)
    t.comment(`gateway sockets to PDS A at rest: ${baselineA}`)

    t.test(
      'stalled (SIGSTOP): 504 at the upstream timeout, and PDS B keeps its throughput',
      async (t) => {
        const ratios: number[] = []
        const base: number[] = []
        const stalled: number[] = []
        let aStatuses = new Map<number, number>()
        // warm-up (JIT, pools, PDS B's caches): the first rounds are always slower
        await round(2 * ROUND_REQUESTS, ROUND_CONCURRENCY, readB)
        const baselineRound = async (pair: number) => {
          const r0 = await round(ROUND_REQUESTS, ROUND_CONCURRENCY, readB)
          t.same([...r0.statuses.keys()], [200], `baseline round ${pair}: all 200`)
          base.push(r0.rps)
          return r0.rps
        }
        for (let pair = 0; pair < ROUND_PAIRS; pair++) {
          // ABBA order, so a drift in box load falls on both sides alike
          const baseFirst = pair % 2 === 0
          const r0 = baseFirst ? await baselineRound(pair) : 0

          pdsA.kill('SIGSTOP')
          let stop = false
          // 16 clients keep requests to A in flight for the whole round
          const aLoad = Promise.all(
            Array.from({ length: 16 }, async () => {
              while (!stop) {
                const r = await readA(UPSTREAM_TIMEOUT_MS * 4)
                aStatuses.set(r.status, (aStatuses.get(r.status) ?? 0) + 1)
              }
            }),
          )
          await new Promise((r) => setTimeout(r, 300)) // let them reach the stalled PDS
          if (pair === 0) {
            const one = await readA(UPSTREAM_TIMEOUT_MS * 4)
            t.equal(one.status, 504, 'a request to the stalled PDS gets 504')
            t.equal(one.body?.error, 'UpstreamTimeout')
            // undici arms its timers on a coarse clock: up to ~1 s late
            t.ok(
              one.ms >= UPSTREAM_TIMEOUT_MS - 100 && one.ms < UPSTREAM_TIMEOUT_MS + 1_500,
              `504 after ${one.ms.toFixed(0)} ms`,
            )
          }
          const r1 = await round(ROUND_REQUESTS, ROUND_CONCURRENCY, readB)
          t.same([...r1.statuses.keys()], [200], `stalled round ${pair}: all 200`)
          stalled.push(r1.rps)
          stop = true
          await aLoad
          pdsA.kill('SIGCONT')
          ratios.push(r1.rps / (baseFirst ? r0 : await baselineRound(pair)))
        }
        const ratio = median(stalled) / median(base)
        t.comment(
          `PDS B req/s: baseline ${base.map((x) => x.toFixed(0)).join(', ')}; A stalled ${stalled.map((x) => x.toFixed(0)).join(', ')}; pair ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ratio ${ratio.toFixed(3)}`,
        )
        t.ok(
          ratio >= 0.9,
          `throughput to PDS B while A is stalled: ${(ratio * 100).toFixed(1)} % of baseline (goal ≥ 90 %)`,
        )
        t.same(
          [...aStatuses.keys()].filter((s) => s !== 504),
          [],
          `requests to the stalled PDS only got 504 (${JSON.stringify([...aStatuses])})`,
        )
        aStatuses = new Map()

        const back = await within(5_000, async () => socketsTo(gw.pid, portA) <= baselineA)
        t.ok(
          back >= 0,
          `gateway sockets to PDS A back to ≤ ${baselineA} within 5 s (now ${socketsTo(gw.pid, portA)}, took ${back} ms)`,
        )
        t.equal((await readA()).status, 400, 'PDS A answers again once resumed')
      },
    )

    t.test(
      'killed (SIGKILL) during a large getBlob: the download is cut, not hung, not passed off as complete',
      async (t) => {
        const cid = blob.ref.$link
        const outcome = await new Promise<{ how: string; bytes: number; status: number }>(
          (resolve) => {
            let bytes = 0
            let status = 0
            const done = (how: string) => (clearTimeout(timer), resolve({ how, bytes, status }))
            const timer = setTimeout(() => done('hang'), 20_000)
            const req = request(
              `${E}/xrpc/com.atproto.sync.getBlob?did=${a.did}&cid=${cid}`,
              (res) => {
                status = res.statusCode ?? 0
                res.once('data', (chunk: Buffer) => {
                  bytes += chunk.length
                  res.pause()
                  // the PDS is mid-write (buffers full behind the paused client): kill it now
                  setTimeout(() => {
                    pdsA.kill('SIGKILL')
                    setTimeout(() => {
                      res.on('data', (c: Buffer) => (bytes += c.length))
                      res.resume()
                    }, 300)
                  }, 300)
                })
                res.on('end', () => done('complete'))
                res.on('aborted', () => done('aborted'))
                res.on('error', () => done('aborted'))
              },
            )
            req.on('error', () => done('aborted'))
            req.end()
          },
        )
        t.equal(outcome.status, 200, 'the download had started')
        t.equal(
          outcome.how,
          'aborted',
          `the client saw the cut (${outcome.bytes} of ${BLOB_BYTES} bytes)`,
        )
        t.ok(outcome.bytes < BLOB_BYTES, 'truncated')
        await pdsA.process.exited
        const gone = await within(5_000, () => socketsTo(gw.pid, portA) === 0)
        t.ok(gone >= 0, `gateway sockets to the dead PDS: 0 within 5 s (took ${gone} ms)`)
        t.equal(await readB(), 200, 'PDS B still served')
      },
    )

    t.test(
      'refusing connections (the dead PDS): 502/503 XRPC JSON within 50 ms, never 500',
      async (t) => {
        const times: number[] = []
        for (let i = 0; i < 15; i++) {
          const r = await readA()
          t.ok(r.status === 502 || r.status === 503, `status ${r.status} ${JSON.stringify(r.body)}`)
          t.ok(
            typeof r.body?.error === 'string' && typeof r.body?.message === 'string',
            'XRPC error body',
          )
          times.push(r.ms)
        }
        t.comment(`refused: ${times.map((x) => x.toFixed(1)).join(', ')} ms`)
        t.ok(median(times) <= 50, `median ${median(times).toFixed(1)} ms ≤ 50 ms`)
        t.ok(Math.max(...times) <= 500, `slowest ${Math.max(...times).toFixed(1)} ms ≤ 500 ms`)
        const burst = await round(200, 8, async () => (await readA()).status)
        t.same(
          [...burst.statuses.keys()].filter((s) => s !== 502 && s !== 503),
          [],
          `a burst of 200: only 502/503 (${JSON.stringify([...burst.statuses])})`,
        )
        t.equal(socketsTo(gw.pid, portA), 0, 'no sockets left to the dead PDS')
        t.equal(await readB(), 200)
      },
    )

    t.test('the gateway process never crashed', async (t) => {
      t.same(crashes, [])
      t.equal(gw.process.hasExited, false)
      t.equal((await xrpc(E, '_health')).status, 200)
    })
  },
)
