// Session bench: token cost and login latency against the reference PDS's own createSession, in
// one run (the code lives in packages/session/bench/session.ts, where its dependencies resolve).
//   ./dev bench --only=session [--quick]
import type { BenchResult, BenchRun } from './types.js'

export const run: BenchRun = async (opts) => {
  const { runSessionBench } = await import('../packages/session/bench/session.js')
  const rows = await runSessionBench({
    requests: opts.quick ? 80 : 300,
    concurrency: 16,
    tokens: opts.quick ? 500 : 2000,
    log: opts.log,
  })
  return rows.map((r): BenchResult => {
    const ratio = r.theirs ? r.ours / r.theirs : undefined
    const row: BenchResult = { name: r.name, value: Number(r.ours.toFixed(2)), unit: r.unit }
    if (r.theirs !== undefined) {
      row.baseline = Number(r.theirs.toFixed(2))
      if (ratio !== undefined && Number.isFinite(ratio)) row.ratio = Number(ratio.toFixed(2))
    }
    // Login is scrypt-bound on both sides: the goal is parity (the PDS pads each login to 350 ms).
    if (r.name.startsWith('login p99')) {
      row.goal = '≤ 1.2× PDS'
      row.pass = ratio !== undefined && ratio <= 1.2
    }
    if (r.name.startsWith('login errors')) row.pass = r.ours === 0
    return row
  })
}
