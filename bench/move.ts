// Account move: write-unavailable seconds and total move time, for a repo of 1k (and 10k) records
// with 50 blobs, between two real PDSes behind the Entryway.
//   ./dev bench --only=move [--quick]   (quick: 1k records only)
// Relative imports: the workspace packages resolve their own dependencies.
import { startFleet } from '../packages/testkit/src/index.js'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../apps/gateway/src/index.js'
import { decodeJwt, makeUser, waitMove, xrpc } from '../apps/gateway/test/moves-helpers.js'
import type { BenchOptions, BenchResult } from './types.js'

const BLOBS = 50
const PROBE_MS = 50

export async function run(opts: Partial<BenchOptions> = {}): Promise<BenchResult[]> {
  const sizes = opts.quick ? [1_000] : [1_000, 10_000]
  const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: false })
  const out: BenchResult[] = []
  try {
    const env = readEnv(fleet.gatewayEnv)
    const cfg = envToCfg(env)
    const gw = await buildGateway(cfg, envToSecrets(env), { logger: false })
    try {
      await gw.app.listen({ port: fleet.entryway.port, host: cfg.service.host })
      const E = fleet.entryway.url
      const admin = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`
      for (const records of sizes) {
        opts.log?.(`move: building an account with ${records} records and ${BLOBS} blobs…`)
        const u = await makeUser(E, { records, blobs: BLOBS })
        // a client writing every 50 ms: the write-unavailable time is the gap between the last
        // acknowledged write before the freeze and the first one after it
        let token = u.accessJwt
        let refresh = u.refreshJwt
        let writing = true
        let lastOkBefore = 0
        let firstOkAfter = 0
        let refused = 0
        let frozenSeen = false
        const probe = (async () => {
          while (writing) {
            const r = await xrpc(E, 'com.atproto.repo.createRecord', {
              token,
              body: {
                repo: u.did,
                collection: 'app.bsky.feed.post',
                record: {
                  $type: 'app.bsky.feed.post',
                  text: 'probe',
                  createdAt: new Date().toISOString(),
                },
              },
            })
            const now = performance.now()
            if (r.status === 200) {
              if (!frozenSeen) lastOkBefore = now
              else if (!firstOkAfter) firstOkAfter = now
            } else {
              frozenSeen = true
              refused++
              if (r.body.error === 'ExpiredToken') {
                const s = await xrpc(E, 'com.atproto.server.refreshSession', {
                  auth: `Bearer ${refresh}`,
                  post: true,
                })
                if (s.status === 200) {
                  token = s.body.accessJwt
                  refresh = s.body.refreshJwt
                }
              }
            }
            if (firstOkAfter) return
            await new Promise((res) => setTimeout(res, PROBE_MS))
          }
        })()
        await new Promise((res) => setTimeout(res, 300))
        const t0 = performance.now()
        const start = await xrpc(E, 'com.entryway.admin.moveAccount', {
          auth: admin,
          body: { account: u.did },
        })
        if (start.status !== 200) throw new Error(`moveAccount: ${JSON.stringify(start.body)}`)
        const end = await waitMove(E, admin, start.body.move.id, 900_000)
        const total = (performance.now() - t0) / 1000
        if (end.state !== 'done') throw new Error(`move ended ${end.state}: ${end.error}`)
        const deadline = Date.now() + 30_000
        while (!firstOkAfter && Date.now() < deadline)
          await new Promise((res) => setTimeout(res, 50))
        writing = false
        await probe
        const unavailable = (firstOkAfter - lastOkBefore) / 1000
        opts.log?.(
          `move: ${records} records: total ${total.toFixed(1)} s, writes unavailable ${unavailable.toFixed(1)} s (${refused} refusals), token now for ${decodeJwt(token).aud}`,
        )
        out.push({
          name: `move ${records} records + ${BLOBS} blobs: total time`,
          value: total,
          unit: 's',
        })
        out.push({
          name: `move ${records} records + ${BLOBS} blobs: writes unavailable`,
          value: unavailable,
          unit: 's',
          note: `${refused} refused writes (AccountMoving, then one ExpiredToken) from a client writing every ${PROBE_MS} ms`,
        })
      }
    } finally {
      await gw.app.close()
    }
  } finally {
    await fleet.stop()
  }
  return out
}
