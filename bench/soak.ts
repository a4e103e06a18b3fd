// Soak: N minutes of mixed traffic (sign-ups, logins, refreshes, record writes and reads through the
// proxy) against 3 PDSes and 2 gateway processes sharing one Postgres (a private throwaway cluster).
// Reports unexpected errors, latency percentiles per kind and each gateway's RSS over time.
//   ./dev bench --only=soak --soak [--minutes=10]      (skipped without --soak: it takes minutes)
//   ./dev node --import tsx bench/soak.ts [--minutes 3]
// Writes bench/results/soak.md.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { cpus } from 'node:os'
import { startFleet } from '../packages/testkit/src/index.js'
import { startPrivateCluster } from '../apps/gateway/test/fault-postgres-cluster.js'
import { KINDS, MIX, Stats, Traffic, percentile } from './lib/soak-traffic.js'
import type { BenchOptions, BenchResult } from './types.js'

export const DEFAULT_MINUTES = 10
const QUICK_MINUTES = 1
/** Concurrent virtual clients and their pause between actions. */
const WORKERS = 6
const THINK_MS = 40
const RSS_SAMPLE_MS = 5_000
const WARMUP_USERS = 24
/** RSS growth after warm-up must stay under this. */
const RSS_GROWTH_GOAL = 0.1

function minutesArg(argv: readonly string[]): number | null {
  const i = argv.findIndex((a) => a === '--minutes' || a.startsWith('--minutes='))
  if (i < 0) return null
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1]
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--minutes: ${raw} is not a positive number`)
  return n
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

const med = (xs: number[]) => percentile(xs, 50)

export async function run(
  opts: Partial<BenchOptions> & { minutes?: number; force?: boolean } = {},
): Promise<BenchResult[]> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[soak] ${m}\n`))
  if (!opts.force && !process.argv.includes('--soak')) {
    log('skipped: pass --soak (./dev bench --only=soak --soak [--minutes=N])')
    return []
  }
  const minutes =
    opts.minutes ?? minutesArg(process.argv) ?? (opts.quick ? QUICK_MINUTES : DEFAULT_MINUTES)
  const durationMs = minutes * 60_000
  // warm-up: the first fifth of the run, between 30 s and 2 min
  const warmupMs = Math.min(120_000, Math.max(30_000, durationMs / 5))

  log(`starting a private Postgres, PLC, 3 PDSes and 2 gateways…`)
  const cluster = await startPrivateCluster()
  const crashes: string[] = []
  try {
    const fleet = await startFleet({
      pdsCount: 3,
      gateways: 2,
      databaseUrl: cluster.url,
      mail: false,
      gatewayEnv: { ENTRYWAY_LOG_LEVEL: 'warn' },
      onUnexpectedExit: (i) => crashes.push(`${i.name}: ${i.code ?? i.signal}\n${i.logTail}`),
    })
    try {
      const gateways = fleet.gateways.map((g) => `http://127.0.0.1:${g.port}`)
      const stats = new Stats()
      const t0 = performance.now()
      const clock = () => performance.now() - t0
      const traffic = new Traffic(gateways, stats, clock)
      log(`${WARMUP_USERS} warm-up sign-ups…`)
      for (let i = 0; i < WARMUP_USERS; i++) await traffic.signUp(false)

      const rss: { at: number; mb: number[] }[] = []
      const sample = () => rss.push({ at: clock(), mb: fleet.gateways.map((g) => rssMb(g.pid)) })
      sample()
      const sampler = setInterval(sample, RSS_SAMPLE_MS)
      const progress = setInterval(() => {
        const total = [...stats.counts.values()].reduce((a, b) => a + b, 0)
        const errs = [...stats.errors.values()].reduce((a, b) => a + b, 0)
        log(
          `${(clock() / 60_000).toFixed(1)} min: ${total} requests, ${errs} errors, RSS ${rss
            .at(-1)!
            .mb.map((m) => m.toFixed(0))
            .join(' / ')} MB, ${traffic.users.length} users`,
        )
      }, 30_000)
      log(`${minutes} min of mixed traffic (${WORKERS} clients, mix ${JSON.stringify(MIX)})…`)
      const started = clock()
      const end = started + durationMs
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (clock() < end) {
            await traffic.step()
            await new Promise((r) => setTimeout(r, THINK_MS))
          }
        }),
      )
      const elapsedS = (clock() - started) / 1000
      sample()
      clearInterval(sampler)
      clearInterval(progress)

      // RSS: median of the minute after warm-up vs median of the last minute (or tenth), per gateway
      const window = Math.min(60_000, durationMs / 10)
      const after = rss.filter(
        (s) => s.at >= started + warmupMs && s.at < started + warmupMs + window,
      )
      const last = rss.filter((s) => s.at >= clock() - window)
      const gw = fleet.gateways.map((g, i) => {
        const a = med(after.map((s) => s.mb[i]!))
        const z = med(last.map((s) => s.mb[i]!))
        return {
          name: `gateway ${i + 1}`,
          start: rss[0]!.mb[i]!,
          afterWarmup: a,
          end: z,
          max: Math.max(...rss.map((s) => s.mb[i]!)),
          growth: (z - a) / a,
        }
      })
      const total = [...stats.counts.values()].reduce((a, b) => a + b, 0)
      const errors = [...stats.errors.values()].reduce((a, b) => a + b, 0)

      const rows: BenchResult[] = [
        {
          name: `unexpected errors over ${minutes} min`,
          value: errors,
          unit: 'errors',
          goal: '0',
          pass: errors === 0 && crashes.length === 0,
          note: `${total} requests, ${(total / elapsedS).toFixed(1)} req/s, ${crashes.length} crashes`,
        },
      ]
      for (const k of KINDS) {
        const xs = stats.latencies.get(k)!
        rows.push({
          name: `${k}: p50 / p95 / p99`,
          value: `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 95).toFixed(1)} / ${percentile(xs, 99).toFixed(1)}`,
          unit: 'ms',
          note: `${stats.counts.get(k)} requests, ${stats.errors.get(k)} errors`,
        })
      }
      for (const g of gw) {
        rows.push({
          name: `${g.name} RSS growth after warm-up`,
          value: Number((g.growth * 100).toFixed(1)),
          unit: '%',
          goal: `< ${RSS_GROWTH_GOAL * 100}`,
          pass: g.growth < RSS_GROWTH_GOAL,
          note: `start ${g.start.toFixed(0)} MB, after warm-up ${g.afterWarmup.toFixed(0)} MB, end ${g.end.toFixed(0)} MB, max ${g.max.toFixed(0)} MB`,
        })
      }
      writeReport({
        minutes,
        elapsedS,
        warmupMs,
        total,
        errors,
        stats,
        gw,
        rss,
        crashes,
        users: traffic.users.length,
      })
      return rows.map((r) => ({ ...r, suite: 'soak' }))
    } finally {
      await fleet.stop()
    }
  } finally {
    await cluster.destroy()
  }
}

function writeReport(r: {
  minutes: number
  elapsedS: number
  warmupMs: number
  total: number
  errors: number
  stats: Stats
  gw: {
    name: string
    start: number
    afterWarmup: number
    end: number
    max: number
    growth: number
  }[]
  rss: { at: number; mb: number[] }[]
  crashes: string[]
  users: number
}) {
  const s = r.stats
  const lines = [
    `# Soak results`,
    ``,
    `${new Date().toISOString()} · ${r.minutes} min (${r.elapsedS.toFixed(0)} s measured) · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (shared with other work) · Node ${process.version}`,
    ``,
    `Topology: PLC, 3 PDSes (@atproto/pds in entryway mode), 2 gateway processes sharing one private Postgres; ${WORKERS} closed-loop clients (${THINK_MS} ms think time) alternating between the gateways, each call from a random client address (X-Forwarded-For from loopback). Mix (weights): ${KINDS.map((k) => `${k} ${MIX[k]}`).join(', ')}. ${r.users} accounts at the end.`,
    ``,
    `**${r.total} requests (${(r.total / r.elapsedS).toFixed(1)} req/s), ${r.errors} unexpected errors, ${r.crashes.length} process crashes.**`,
    ``,
    `| kind | requests | errors | p50 ms | p95 ms | p99 ms | max ms |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    ...KINDS.map((k) => {
      const xs = s.latencies.get(k)!
      return `| ${k} | ${s.counts.get(k)} | ${s.errors.get(k)} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 95).toFixed(1)} | ${percentile(xs, 99).toFixed(1)} | ${(xs.length ? Math.max(...xs) : NaN).toFixed(1)} |`
    }),
    ``,
    `## Gateway RSS`,
    ``,
    `Growth = median RSS of the last minute vs the minute after warm-up (${(r.warmupMs / 1000).toFixed(0)} s); goal < ${RSS_GROWTH_GOAL * 100} %.`,
    ``,
    `| gateway | start MB | after warm-up MB | end MB | max MB | growth |`,
    `| --- | --- | --- | --- | --- | --- |`,
    ...r.gw.map(
      (g) =>
        `| ${g.name} | ${g.start.toFixed(0)} | ${g.afterWarmup.toFixed(0)} | ${g.end.toFixed(0)} | ${g.max.toFixed(0)} | ${(g.growth * 100).toFixed(1)} % |`,
    ),
    ``,
    `RSS over time (MB, one sample per ${RSS_SAMPLE_MS / 1000} s, shown every 30 s):`,
    ``,
    `| t (s) | ${r.gw.map((g) => g.name).join(' | ')} |`,
    `| --- | ${r.gw.map(() => '---').join(' | ')} |`,
    ...r.rss
      .filter((_, i) => i % 6 === 0 || i === r.rss.length - 1)
      .map((x) => `| ${(x.at / 1000).toFixed(0)} | ${x.mb.map((m) => m.toFixed(0)).join(' | ')} |`),
    ``,
  ]
  if (s.failures.length) {
    lines.push(
      `## First failures`,
      ``,
      ...s.failures
        .slice(0, 20)
        .map(
          (f) =>
            `- ${(f.at / 1000).toFixed(1)} s ${f.kind}: ${f.status} ${f.body.replace(/\n/g, ' ')}`,
        ),
      ``,
    )
  }
  if (r.crashes.length)
    lines.push(`## Crashes`, ``, ...r.crashes.map((c) => '```\n' + c + '\n```'), ``)
  const dir = join(new URL('.', import.meta.url).pathname, 'results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'soak.md'), lines.join('\n'))
}

// run on its own: ./dev node --import tsx bench/soak.ts [--minutes N]
if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await run({ force: true })
  for (const r of rows)
    console.log(
      `${r.name}: ${r.value} ${r.unit}${r.goal ? ` (goal ${r.goal}: ${r.pass ? 'ok' : 'NO'})` : ''}${r.note ? ` — ${r.note}` : ''}`,
    )
  console.log('written to bench/results/soak.md')
  if (rows.some((r) => r.pass === false)) process.exitCode = 1
}
