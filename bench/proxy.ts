// Proxy hop cost, side by side in one run: direct to the origin, through the Entryway (the real
// gateway with @entryway/proxy, authenticated hot path), through the proxy plugin alone in a bare
// Fastify app (what an embedder pays), through nginx proxy_pass with keep-alive (1 worker, like
// one Node process) and through bare @fastify/reply-from.
//   ./dev bench --only=proxy [--quick] [--soak]     (--soak: the 5-minute RSS run)
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import autocannon from 'autocannon'
import type * as Undici from 'undici'
import type { BenchOptions, BenchResult } from './types.js'
import { cpuTicks, rssBytes, spawnTsChild, stopper, TICK_US, type Child } from './lib/procs.js'
import { postgresBinDir, startPrivateCluster } from '../apps/gateway/test/fault-postgres-cluster.js'

const require = createRequire(new URL('../packages/proxy/package.json', import.meta.url))
const undici = require('undici') as typeof Undici

const here = new URL('.', import.meta.url).pathname
const PATH =
  '/xrpc/com.atproto.repo.getRecord?repo=did:plc:benchbenchbenchbenchbenc&collection=app.bsky.feed.post&rkey=1'
const CONNECTIONS = 10
const FIXED_RATE = 1000

interface Target {
  name: string
  url: string
  headers: Record<string, string>
  /** The proxy process whose CPU is measured (none for direct). */
  pid: number | null
  withChildren: boolean
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const soak = process.argv.includes('--soak')
  // short rounds, many of them, in a rotating order: the box's load drifts (other tenants), and a
  // ratio taken within one round compares paths measured seconds apart
  const seconds = 3
  const rounds = opts.quick ? 3 : 9
  const fixedSeconds = opts.quick ? 5 : 20
  const soakSeconds = soak ? 300 : opts.quick ? 15 : 60
  const stops: Array<() => Promise<void>> = []
  try {
    const origin = await spawnTsChild(join(here, 'lib/origin.ts'), {})
    stops.push(origin.stop)
    const originUrl = `http://127.0.0.1:${origin.ready.port}`
    const bare = await spawnTsChild(join(here, 'lib/bare-reply-from.ts'), { ORIGIN_URL: originUrl })
    stops.push(bare.stop)
    // the gateway as deployed, on Postgres (a private throwaway cluster) when the server binaries
    // are installed: embedded PGlite is a WASM Postgres inside the gateway process, and its heap
    // costs every request ~15 % more CPU
    const cluster = postgresBinDir() ? await startPrivateCluster() : null
    if (cluster) stops.push(cluster.destroy)
    const database = cluster ? 'Postgres' : 'PGlite (no PostgreSQL server binaries here)'
    opts.log(`the gateway runs on ${database}`)
    const gateway = await spawnTsChild(join(here, 'lib/gateway-child.ts'), {
      ORIGIN_URL: originUrl,
      ...(cluster ? { BENCH_DATABASE_URL: cluster.url } : {}),
    })
    stops.push(gateway.stop)
    const plugin = await spawnTsChild(join(here, 'lib/plugin-only.ts'), {
      ORIGIN_URL: originUrl,
      PLUGIN_ONLY_METRICS: '1',
    })
    stops.push(plugin.stop)
    const nginx = await startNginx(Number(origin.ready.port), opts)
    if (nginx) stops.push(nginx.stop)

    const targets: Target[] = [
      { name: 'direct', url: originUrl, headers: {}, pid: null, withChildren: false },
      ...(nginx
        ? [
            {
              name: 'nginx',
              url: `http://127.0.0.1:${nginx.ready.port}`,
              headers: {},
              pid: nginx.proc.pid!,
              withChildren: true,
            },
          ]
        : []),
      {
        name: 'reply-from',
        url: `http://127.0.0.1:${bare.ready.port}`,
        headers: {},
        pid: bare.proc.pid!,
        withChildren: false,
      },
      {
        name: 'plugin',
        url: `http://127.0.0.1:${plugin.ready.port}`,
        headers: { authorization: `Bearer ${plugin.ready.token}` },
        pid: plugin.proc.pid!,
        withChildren: false,
      },
      {
        name: 'entryway',
        url: `http://127.0.0.1:${gateway.ready.port}`,
        headers: { authorization: `Bearer ${gateway.ready.token}` },
        pid: gateway.proc.pid!,
        withChildren: false,
      },
    ]
    // every path must answer 200 before we time anything
    for (const t of targets) {
      const res = await fetch(t.url + PATH, { headers: t.headers })
      if (res.status !== 200)
        throw new Error(`${t.name} answered ${res.status}: ${await res.text()}`)
      await load(t, 2, null) // warm-up (JIT, pools, caches)
    }

    // saturation throughput and CPU per request
    const rps: Record<string, number[]> = {}
    const cpu: Record<string, number[]> = {}
    for (let r = 0; r < rounds; r++) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length]!)
      for (const t of order) {
        opts.log(`round ${r + 1}/${rounds}: ${t.name} (${seconds} s, ${CONNECTIONS} connections)`)
        const before = t.pid ? cpuTicks(t.pid, t.withChildren) : 0
        const res = await load(t, seconds, null)
        const after = t.pid ? cpuTicks(t.pid, t.withChildren) : 0
        if (res.errors || res.non2xx)
          opts.log(`${t.name}: ${res.errors} errors, ${res.non2xx} non-2xx`)
        ;(rps[t.name] ??= []).push(res.requests.total / seconds)
        if (t.pid) (cpu[t.name] ??= []).push(((after - before) * TICK_US) / res.requests.total)
      }
    }
    /** Per-round ratios of two paths (each pair measured within one round). */
    const paired = (xs: Record<string, number[]>, a: string, b: string) =>
      xs[a]!.map((v, i) => v / xs[b]![i]!)
    const med = (xs: number[] | undefined) =>
      xs && xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN

    // added latency at a steady, sub-saturation rate (open loop), in 1 s slices taken round-robin
    // so that load from other processes on the box lands on every path alike
    const samples: Record<string, number[]> = {}
    const pools = new Map(
      targets.map((t) => [t.name, new undici.Pool(t.url, { connections: 16, pipelining: 1 })]),
    )
    // the client's code and each pool's connections warm before anything is timed (the first
    // path measured used to carry the client's JIT warm-up in its tail)
    for (const t of targets) await fixedRate(t, pools.get(t.name)!, FIXED_RATE, 2)
    for (let s = 0; s < fixedSeconds; s++) {
      if (s % 5 === 0)
        opts.log(`fixed ${FIXED_RATE} req/s: slice ${s + 1}/${fixedSeconds} on each path`)
      for (const t of targets)
        (samples[t.name] ??= []).push(...(await fixedRate(t, pools.get(t.name)!, FIXED_RATE, 1)))
    }
    for (const pool of pools.values()) await pool.close()
    const lat: Record<string, { p50: number; p99: number }> = {}
    for (const t of targets) {
      const xs = samples[t.name]!.sort((a, b) => a - b)
      const q = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN
      lat[t.name] = { p50: q(0.5), p99: q(0.99) }
    }

    // RSS over a run at 70 % of the Entryway's saturation
    const gw = targets.find((t) => t.name === 'entryway')!
    const soakRate = Math.round(0.7 * med(rps.entryway))
    opts.log(`entryway RSS soak: ${soakRate} req/s for ${soakSeconds} s`)
    // RSS is a sawtooth (the heap grows until a major GC): compare the median of the first fifth
    // of the run with the median of the last fifth, sampled every second
    const rssSamples: number[] = []
    const sampler = setInterval(() => rssSamples.push(rssBytes(gw.pid!)), 1000)
    const soakRes = await load(gw, soakSeconds, soakRate).finally(() => clearInterval(sampler))
    const fifth = Math.max(1, Math.floor(rssSamples.length / 5))
    const rssStart = med(rssSamples.slice(0, fifth))
    const rssEnd = med(rssSamples.slice(-fifth))

    const out: BenchResult[] = []
    const row = (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}) =>
      out.push({ suite: 'proxy', name, value, unit, ...extra })
    for (const t of targets) {
      const on = t.name === 'entryway' ? `, gateway on ${database}` : ''
      row(`throughput ${t.name}`, med(rps[t.name]), 'req/s', {
        note: `minimal origin, ${CONNECTIONS} conns, no pipelining, median of ${rounds} × ${seconds} s${on}`,
      })
    }
    const spread = (xs: number[]) =>
      `median of ${xs.length} rounds, ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`
    if (nginx) {
      const rs = paired(rps, 'entryway', 'nginx')
      row('throughput entryway / nginx', med(rs), '×', {
        goal: '≥ 0.6',
        pass: med(rs) >= 0.6,
        note: spread(rs),
      })
      row('throughput plugin / nginx', med(paired(rps, 'plugin', 'nginx')), '×', {
        note: spread(paired(rps, 'plugin', 'nginx')),
      })
      row('throughput reply-from / nginx', med(paired(rps, 'reply-from', 'nginx')), '×', {
        note: 'the bare Node hop',
      })
    }
    row('throughput entryway / reply-from', med(paired(rps, 'entryway', 'reply-from')), '×')
    row('throughput entryway / direct', med(paired(rps, 'entryway', 'direct')), '×')
    for (const t of targets.filter((x) => x.pid))
      row(`CPU per request ${t.name}`, med(cpu[t.name]), 'µs', {
        note: 'proxy process utime+stime / requests',
      })
    const cpuRatios = paired(cpu, 'entryway', 'reply-from')
    const cpuRatio = med(cpuRatios)
    row('CPU per request entryway / reply-from', cpuRatio, '×', {
      goal: '≤ 1.15',
      pass: cpuRatio <= 1.15,
      note: spread(cpuRatios),
    })
    row('CPU per request plugin / reply-from', med(paired(cpu, 'plugin', 'reply-from')), '×', {
      note: 'the proxy plugin with metrics in a bare Fastify app',
    })
    for (const t of targets)
      row(`latency at ${FIXED_RATE} req/s ${t.name} p50 / p99`, lat[t.name]!.p99, 'ms p99', {
        note: `p50 ${lat[t.name]!.p50.toFixed(2)} ms`,
      })
    const added = lat.entryway!.p99 - lat.direct!.p99
    row(`added p99 at ${FIXED_RATE} req/s (entryway - direct)`, added, 'ms', {
      goal: '≤ 3',
      pass: added <= 3,
      note: `added p50 ${(lat.entryway!.p50 - lat.direct!.p50).toFixed(2)} ms; reply-from adds p99 ${(lat['reply-from']!.p99 - lat.direct!.p99).toFixed(2)} ms`,
    })
    const growth = (rssEnd - rssStart) / rssStart
    row(`entryway RSS over ${soakSeconds} s at ${soakRate} req/s`, rssEnd / 1048576, 'MB', {
      note: `median of the first fifth ${(rssStart / 1048576).toFixed(0)} MB → of the last fifth, growth ${(growth * 100).toFixed(1)} % (range ${(Math.min(...rssSamples) / 1048576).toFixed(0)}–${(Math.max(...rssSamples) / 1048576).toFixed(0)} MB), ${soakRes.non2xx} non-2xx, ${soakRes.errors} errors`,
      goal: 'growth < 10 %',
      pass: growth < 0.1 && soakRes.non2xx === 0 && soakRes.errors === 0,
    })
    return out
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  }
}

/** autocannon's return value is a thenable instance, not a Promise: await it inside a real one. */
async function load(t: Target, seconds: number, rate: number | null): Promise<autocannon.Result> {
  return await autocannon({
    url: t.url + PATH,
    headers: t.headers,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
  })
}

/**
 * Open loop: requests leave on a fixed schedule whatever the answers (1 ms apart: a 5 ms tick sent
 * bursts of 5 that queued behind each other on every path), on a pool the caller keeps warm across
 * slices, as a real client's keep-alive connections are; latency in µs precision.
 */
async function fixedRate(
  t: Target,
  pool: Undici.Pool,
  rate: number,
  seconds: number,
): Promise<number[]> {
  const samples: number[] = []
  const total = rate * seconds
  const tickMs = 1
  const perTick = (rate * tickMs) / 1000
  let sent = 0
  let failed = 0
  const inflight = new Set<Promise<void>>()
  const start = performance.now()
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // catch up to the schedule (timers drift on a busy box)
      const due = Math.min(total, Math.floor(((performance.now() - start) / tickMs + 1) * perTick))
      while (sent < due) {
        sent++
        const t0 = performance.now()
        const p = pool
          .request({ path: PATH, method: 'GET', headers: t.headers })
          .then(async (res) => {
            await res.body.dump()
            if (res.statusCode === 200) samples.push(performance.now() - t0)
            else failed++
          })
          .catch(() => void failed++)
          .finally(() => inflight.delete(p))
        inflight.add(p)
      }
      if (sent >= total) {
        clearInterval(timer)
        resolve()
      }
    }, tickMs)
  })
  await Promise.all(inflight)
  if (failed)
    process.stderr.write(`[bench] proxy: ${t.name}: ${failed} failed requests at fixed rate\n`)
  return samples
}

/** nginx proxy_pass with upstream keep-alive, 1 worker; installs nginx-light when missing. */
async function startNginx(originPort: number, opts: BenchOptions): Promise<Child | null> {
  let bin = findNginx()
  if (!bin) {
    opts.log('nginx missing: apt-get install nginx-light')
    try {
      execFileSync('apt-get', ['install', '-y', '-q', 'nginx-light'], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: 180_000,
      })
    } catch (err) {
      opts.log(`could not install nginx: ${(err as Error).message}`)
    }
    bin = findNginx()
    if (!bin) return null
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-nginx-'))
  const { getFreePort } = await import('../packages/testkit/src/index.js')
  const port = await getFreePort()
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream origin { server 127.0.0.1:${originPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}`
  writeFileSync(join(dir, 'nginx.conf'), conf)
  const proc = spawn(bin, ['-c', join(dir, 'nginx.conf'), '-p', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // nginx prints nothing when ready: poll the port (bounded)
  const until = Date.now() + 10_000
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`)
      await res.arrayBuffer()
      break
    } catch {
      if (Date.now() > until || proc.exitCode !== null) {
        proc.kill('SIGKILL')
        opts.log('nginx did not start')
        return null
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const stop = stopper(proc)
  return {
    proc,
    ready: { port },
    stop: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'])
    if (existsSync(p)) return p
  return null
}
