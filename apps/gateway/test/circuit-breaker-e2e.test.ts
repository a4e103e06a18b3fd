import t from 'tap'
import { startFleet } from '@entryway/testkit'
import { pdsOf, signUp, xrpc, type Session } from './fault-helpers.js'

// Two real PDSes and a gateway process; PDS A is stopped (SIGSTOP) until its circuit opens, then resumed.
// @serial-test: asserts elapsed times
t.setTimeout(600_000)

const UPSTREAM_TIMEOUT_MS = 3_000
const THRESHOLD = 3
const OPEN_MS = 1_000

t.test(
  'a stalled PDS: its circuit opens (fast 503s naming it), the other PDS is unaffected, 200s soon after SIGCONT',
  async (t) => {
    const startedAt = performance.now()
    const fleet = await startFleet({
      pdsCount: 2,
      mail: false,
      gatewayEnv: {
        ENTRYWAY_PROXY_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
        ENTRYWAY_PROXY_CIRCUIT_THRESHOLD: String(THRESHOLD),
        ENTRYWAY_PROXY_CIRCUIT_OPEN_MS: String(OPEN_MS),
        ENTRYWAY_LOG_LEVEL: 'warn',
      },
    })
    t.teardown(() => fleet.stop())
    t.comment(`fleet up in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`)
    const E = fleet.gateway!.url
    const [pdsA, pdsB] = fleet.pds as [(typeof fleet.pds)[0], (typeof fleet.pds)[0]]
    let stopped = false
    t.teardown(() => {
      if (stopped) pdsA.kill('SIGCONT')
    })

    const on = new Map<string, Session>()
    for (let i = 0; i < 10 && on.size < 2; i++) {
      const s = await signUp(E, 'cb', i)
      on.set(await pdsOf(fleet.plc.url, s.did), s)
    }
    const a = on.get(new URL(pdsA.url).origin)
    const b = on.get(new URL(pdsB.url).origin)
    if (!a || !b) throw new Error('placement did not put an account on each PDS')
    t.comment(
      `accounts on both PDSes after ${((performance.now() - startedAt) / 1000).toFixed(0)} s`,
    )
    // authenticated reads through the proxy (the profile record does not exist: 400 RecordNotFound is the PDS answering)
    const readA = () =>
      xrpc(E, 'com.atproto.repo.getRecord', {
        token: a.accessJwt,
        query: { repo: a.did, collection: 'app.bsky.actor.profile', rkey: 'self' },
      })
    const readB = () =>
      xrpc(E, 'com.atproto.repo.describeRepo', { token: b.accessJwt, query: { repo: b.did } })
    t.equal((await readA()).status, 400, 'PDS A answers (RecordNotFound) before the stall')
    t.equal((await readB()).status, 200, 'PDS B answers')

    pdsA.kill('SIGSTOP')
    stopped = true
    // THRESHOLD requests wait out the upstream timeout: that is what opens the circuit
    const first = await Promise.all(Array.from({ length: THRESHOLD }, () => readA()))
    t.same(
      first.map((r) => r.status),
      Array(THRESHOLD).fill(504),
      `the first ${THRESHOLD} requests time out (${first.map((r) => r.ms.toFixed(0)).join(', ')} ms)`,
    )

    const fast: number[] = []
    for (let i = 0; i < 20; i++) {
      const r = await readA()
      t.equal(r.status, 503, `stalled request ${i}: 503`)
      t.equal(r.body?.error, 'UpstreamUnavailable')
      if (i === 0) {
        t.match(
          String(r.body?.message),
          new URL(pdsA.url).host,
          `the host is named: ${r.body?.message}`,
        )
        t.comment(r.body?.message)
      }
      fast.push(r.ms)
      const other = await readB()
      t.equal(other.status, 200, `PDS B still 200 (${other.ms.toFixed(0)} ms)`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const slowest = Math.max(...fast)
    t.comment(
      `503s while stopped: max ${slowest.toFixed(1)} ms, median ${fast.sort((x, y) => x - y)[10]!.toFixed(1)} ms (upstream timeout ${UPSTREAM_TIMEOUT_MS} ms)`,
    )
    t.ok(
      slowest < UPSTREAM_TIMEOUT_MS / 10,
      `every 503 well under the upstream timeout: max ${slowest.toFixed(0)} ms`,
    )

    pdsA.kill('SIGCONT')
    stopped = false
    const resumedAt = performance.now()
    let status = 0
    while (performance.now() - resumedAt < 15_000) {
      status = (await readA()).status
      if (status === 400) break
      await new Promise((r) => setTimeout(r, 100))
    }
    const took = performance.now() - resumedAt
    t.equal(status, 400, 'PDS A answers through the Entryway again')
    t.comment(
      `first answer from PDS A ${took.toFixed(0)} ms after SIGCONT (open period ${OPEN_MS} ms)`,
    )
    t.ok(took < OPEN_MS + 3_000, `within seconds of SIGCONT: ${took.toFixed(0)} ms`)
    t.equal((await readB()).status, 200)
  },
)
