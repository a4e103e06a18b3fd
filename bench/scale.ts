// Growth with accounts: each operation of the Entryway measured at a small and a large account
// count in one run, side by side (two gateways, one per database, requests alternating between
// them so drift on a shared box hits both alike), on Postgres and on PGlite. The bulk accounts
// are seeded straight into the database (bench/lib/seed-accounts.ts); the accounts the session
// operations use are real ones, signed up through each gateway on the fleet's PDSes.
//   ./dev bench --only=scale [--quick] [--scale-small=10000] [--scale-large=1000000]
//     [--scale-pglite-large=100000 (0: skip PGlite)] [--scale-real=150] [--scale-samples=200]
// Writes bench/results/scale.md; goals: p50 and p99 at the large size within 1.25× of the small,
// start-up under 2 s at the large size.
import { request, Agent } from 'node:http'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpus } from 'node:os'
import { startFleet, type Fleet } from '../packages/testkit/src/index.js'
import { openDatabase, type Database } from '../packages/db/src/index.js'
import { seedAccounts, seeded, type SeedReport } from './lib/seed-accounts.js'
import { spawnTsChild, type Child } from './lib/procs.js'
import type { BenchOptions, BenchResult } from './types.js'

const RATIO_GOAL = 1.25
const STARTUP_GOAL_MS = 2_000
const CONCURRENCY = 16
/** Where the measured part of scale.md ends and the kept, hand-written analysis begins. */
const ANALYSIS_MARKER = '<!-- analysis: kept across runs -->'
const dir = new URL('.', import.meta.url).pathname

interface Sizes {
  small: number
  large: number
  pgliteLarge: number
  real: number
  samples: number
  loginSamples: number
  throughputSliceMs: number
}

function sizesFrom(argv: string[], quick: boolean): Sizes {
  const num = (name: string, dflt: number) => {
    const a = argv.find((x) => x.startsWith(`--${name}=`))
    const v = a ? Number(a.slice(name.length + 3)) : dflt
    if (!Number.isInteger(v) || v < 0) throw new Error(`bench/scale: --${name} must be an integer`)
    return v
  }
  const samples = num('scale-samples', quick ? 40 : 200)
  return {
    small: num('scale-small', quick ? 2_000 : 10_000),
    large: num('scale-large', quick ? 20_000 : 1_000_000),
    pgliteLarge: num('scale-pglite-large', quick ? 20_000 : 100_000),
    real: num('scale-real', quick ? 20 : 150),
    samples,
    loginSamples: Math.max(10, Math.round(samples / 2)),
    throughputSliceMs: quick ? 1_000 : 2_000,
  }
}

// --- HTTP -------------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

interface Res {
  status: number
  body: Record<string, unknown>
}

function call(
  base: string,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body)
    const req = request(
      `${base}${path}`,
      {
        agent,
        method: o.method ?? (payload ? 'POST' : 'GET'),
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          resolve({ status: res.statusCode ?? 0, body: parseBody(text) })
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`timeout: ${path}`)))
    req.on('error', reject)
    req.end(payload)
  })
}

function parseBody(text: string): Record<string, unknown> {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {}
  } catch {
    return { text }
  }
}

/** One timed request; throws unless the status is expected (a proxied 4xx counts as served). */
async function timed(
  base: string,
  path: string,
  o: Parameters<typeof call>[2] & { ok?: (status: number) => boolean } = {},
): Promise<{ ms: number; res: Res }> {
  const t0 = performance.now()
  const res = await call(base, path, o)
  const ms = performance.now() - t0
  if (!(o.ok ?? ((s: number) => s === 200))(res.status))
    throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`)
  return { ms, res }
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN

// --- the two sides ----------------------------------------------------------------------------

interface RealAccount {
  did: string
  handle: string
  email: string
  password: string
  accessJwt: string
  refreshJwt: string
}

interface Side {
  label: 'small' | 'large'
  size: number
  base: string
  child: Child
  startupMs: number[]
  processMs: number[]
  accounts: RealAccount[]
  used: Set<number>
}

interface Backend {
  name: 'postgres' | 'pglite'
  /** Opens this size's database (creating it on first call). */
  open(size: number): Promise<Database>
  /** The gateway env naming this size's database. */
  env(size: number): Record<string, string>
  drop(): Promise<void>
}

function postgresBackend(adminUrl: string, runId: string): Backend {
  const created: string[] = []
  const nameOf = (size: number) => `entryway_scale_${runId}_${size}`
  const urlOf = (size: number) => {
    const u = new URL(adminUrl)
    u.pathname = `/${nameOf(size)}`
    return u.toString()
  }
  const admin = async (text: string) => {
    const d = await openDatabase({ url: adminUrl, poolMax: 1 })
    try {
      await d.pool!.query(text)
    } finally {
      await d.close()
    }
  }
  return {
    name: 'postgres',
    async open(size) {
      if (!created.includes(nameOf(size))) {
        await admin(`create database ${nameOf(size)}`)
        created.push(nameOf(size))
      }
      return openDatabase({ url: urlOf(size), statementTimeoutMs: 3_600_000, poolMax: 2 })
    },
    env: (size) => ({ DATABASE_URL: urlOf(size) }),
    async drop() {
      for (const name of created) await admin(`drop database if exists ${name} with (force)`)
    },
  }
}

function pgliteBackend(root: string): Backend {
  const dataDir = (size: number) => join(root, `pglite-${size}`)
  return {
    name: 'pglite',
    open: (size) => openDatabase({ dataDir: dataDir(size) }),
    env: (size) => ({ ENTRYWAY_DATA_DIR: dataDir(size) }),
    drop: async () => {},
  }
}

/** Migrates and seeds one size's database; the fleet's hosts are registered first. */
async function prepare(
  backend: Backend,
  fleet: Fleet,
  size: number,
  log: (m: string) => void,
): Promise<SeedReport> {
  const d = await backend.open(size)
  try {
    await d.migrateToLatest()
    const now = new Date().toISOString()
    for (const h of fleet.fleetHosts) {
      await d.db
        .insertInto('pds_host')
        .values({
          url: h.url,
          did: h.did,
          status: 'enabled',
          healthy: true,
          weight: 1,
          consecutiveFailures: 0,
          createdAt: now,
          updatedAt: now,
        })
        .onConflict((oc) => oc.column('url').doNothing())
        .execute()
    }
    const hostIds = (await d.db.selectFrom('pds_host').select('id').orderBy('id').execute()).map(
      (h) => h.id,
    )
    let last = 0
    const report = await seedAccounts(d.db, {
      from: 1,
      count: size,
      hostIds,
      onProgress: (done, count) => {
        if (done - last >= 200_000 || done === count) {
          last = done
          log(`${backend.name} ${size}: seeded ${done} accounts`)
        }
      },
    })
    log(
      `${backend.name} ${size}: ${report.accounts} accounts (${report.rows} rows) in ${(report.ms / 1000).toFixed(1)} s, ${Math.round(report.rows / (report.ms / 1000))} rows/s`,
    )
    return report
  } finally {
    await d.close()
  }
}

async function startSide(gatewayEnv: Record<string, string>): Promise<Child> {
  return spawnTsChild(
    join(dir, 'lib', 'scale-gateway.ts'),
    { SCALE_GATEWAY_ENV: JSON.stringify(gatewayEnv) },
    300_000,
  )
}

/** Runs `fn` n times on each side, alternating which side goes first. */
async function interleave(
  sides: [Side, Side],
  n: number,
  fn: (s: Side, i: number) => Promise<number>,
): Promise<[number[], number[]]> {
  const out: [number[], number[]] = [[], []]
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0]
    for (const k of order) out[k]!.push(await fn(sides[k]!, i))
  }
  return out
}

/** A seeded account number not used before on this side (cold caches: route, handle, DID). */
function freshSeeded(s: Side): number {
  for (;;) {
    const i = 1 + Math.floor(Math.random() * s.size)
    if (!s.used.has(i)) {
      s.used.add(i)
      return i
    }
  }
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` })

interface OpResult {
  op: string
  n: number
  small: number[]
  large: number[]
}

async function measureBackend(
  backend: Backend,
  fleet: Fleet,
  sz: Sizes,
  large: number,
  opts: Partial<BenchOptions>,
) {
  const log = (m: string) => opts.log?.(m)
  const seeds = {
    small: await prepare(backend, fleet, sz.small, log),
    large: await prepare(backend, fleet, large, log),
  }
  const envFor = (size: number, label: string) => ({
    ...fleet.gatewayEnv,
    ...backend.env(size),
    ...(backend.name === 'postgres'
      ? { ENTRYWAY_DATA_DIR: join(fleet.dir, `gw-${backend.name}-${label}`) }
      : {}),
    ENTRYWAY_LOG_LEVEL: 'warn',
    ...Object.fromEntries(
      [
        'LOGIN_ACCOUNT',
        'LOGIN_ACCOUNT_DAILY',
        'LOGIN_IP',
        'CREATE_ACCOUNT_IP',
        'CREATE_ACCOUNT_IP_HOURLY',
        'CREATE_ACCOUNT_SUBNET',
        'GLOBAL_IP',
      ].map((n) => [`ENTRYWAY_RATE_LIMIT_${n}`, '100000000/1m']),
    ),
  })
  const sides: Side[] = []
  const stopAll = async () => {
    for (const s of sides) await s.child.stop()
  }
  try {
    // start-up, twice each (alternating): the first start of a process also warms the disk cache
    const startup: Record<string, { startupMs: number[]; processMs: number[] }> = {
      small: { startupMs: [], processMs: [] },
      large: { startupMs: [], processMs: [] },
    }
    let children: Child[] = []
    for (let round = 0; round < 2; round++) {
      for (const c of children) await c.stop()
      children = []
      for (const [label, size] of [
        ['small', sz.small],
        ['large', large],
      ] as const) {
        const c = await startSide(envFor(size, label))
        children.push(c)
        startup[label]!.startupMs.push(Number(c.ready.startupMs))
        startup[label]!.processMs.push(Number(c.ready.processMs))
      }
    }
    for (const [k, label] of (['small', 'large'] as const).entries()) {
      sides.push({
        label,
        size: label === 'small' ? sz.small : large,
        base: `http://127.0.0.1:${Number(children[k]!.ready.port)}`,
        child: children[k]!,
        ...startup[label]!,
        accounts: [],
        used: new Set(),
      })
    }
    const pair = sides as [Side, Side]
    const tag = backend.name === 'postgres' ? 'p' : 'g'
    const ops: OpResult[] = []
    const record = (op: string, r: [number[], number[]]) =>
      ops.push({ op, n: r[0].length, small: r[0], large: r[1] })

    log(`${backend.name}: ${sz.real} real sign-ups on each side…`)
    record(
      'sign-up (placement included)',
      await interleave(pair, sz.real, async (s, i) => {
        const handle = `${tag}${s.label[0]}${i}r${randomBytes(2).toString('hex')}.test`
        const a = {
          handle,
          email: `${handle.split('.')[0]}@real.test`,
          password: `pw-${randomBytes(6).toString('hex')}`,
        }
        const { ms, res } = await timed(s.base, '/xrpc/com.atproto.server.createAccount', {
          body: a,
        })
        s.accounts.push({
          ...a,
          did: String(res.body.did),
          accessJwt: String(res.body.accessJwt),
          refreshJwt: String(res.body.refreshJwt),
        })
        return ms
      }),
    )
    const acct = (s: Side, i: number) => s.accounts[i % s.accounts.length]!
    log(`${backend.name}: sessions…`)
    record(
      'login by handle',
      await interleave(pair, sz.loginSamples, async (s, i) => {
        const a = acct(s, i)
        const { ms } = await timed(s.base, '/xrpc/com.atproto.server.createSession', {
          body: { identifier: a.handle, password: a.password },
        })
        return ms
      }),
    )
    record(
      'login by email',
      await interleave(pair, sz.loginSamples, async (s, i) => {
        const a = acct(s, i)
        const { ms, res } = await timed(s.base, '/xrpc/com.atproto.server.createSession', {
          body: { identifier: a.email, password: a.password },
        })
        a.accessJwt = String(res.body.accessJwt)
        a.refreshJwt = String(res.body.refreshJwt)
        return ms
      }),
    )
    record(
      'refresh',
      await interleave(pair, sz.samples, async (s, i) => {
        const a = acct(s, i)
        const { ms, res } = await timed(s.base, '/xrpc/com.atproto.server.refreshSession', {
          method: 'POST',
          headers: bearer(a.refreshJwt),
        })
        a.accessJwt = String(res.body.accessJwt)
        a.refreshJwt = String(res.body.refreshJwt)
        return ms
      }),
    )
    record(
      'getSession',
      await interleave(pair, sz.samples, async (s, i) => {
        const { ms } = await timed(s.base, '/xrpc/com.atproto.server.getSession', {
          headers: bearer(acct(s, i).accessJwt),
        })
        return ms
      }),
    )
    log(`${backend.name}: identity, proxy, admin…`)
    record(
      'resolveHandle',
      await interleave(pair, sz.samples, async (s) => {
        const h = seeded.handle(freshSeeded(s))
        return (await timed(s.base, `/xrpc/com.atproto.identity.resolveHandle?handle=${h}`)).ms
      }),
    )
    record(
      '/.well-known/atproto-did',
      await interleave(pair, sz.samples, async (s) => {
        const h = seeded.handle(freshSeeded(s))
        return (await timed(s.base, '/.well-known/atproto-did', { headers: { host: h } })).ms
      }),
    )
    record(
      'proxied read, DID not in the route cache',
      await interleave(pair, sz.samples, async (s) => {
        const did = seeded.did(freshSeeded(s))
        // the PDS answers 400 RepoNotFound for a seeded DID: the Entryway's part is the same
        return (
          await timed(s.base, `/xrpc/com.atproto.repo.describeRepo?repo=${did}`, {
            ok: (st) => st < 500,
          })
        ).ms
      }),
    )
    record(
      'listRepos page',
      await interleave(pair, sz.samples, async (s) => {
        return (await timed(s.base, '/xrpc/com.atproto.sync.listRepos?limit=100')).ms
      }),
    )
    const adminAuth = {
      authorization: `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`,
    }
    record(
      'admin searchAccounts (email prefix)',
      await interleave(pair, sz.samples, async (s) => {
        const prefix = `${seeded.email(freshSeeded(s)).split('@')[0]}@`
        return (
          await timed(
            s.base,
            `/xrpc/com.atproto.admin.searchAccounts?email=${encodeURIComponent(prefix)}&limit=10`,
            { headers: adminAuth },
          )
        ).ms
      }),
    )
    const passes = Math.max(10, Math.round(sz.samples / 4))
    record(
      'health check pass',
      await interleave(pair, passes, async (s) => {
        return (await timed(s.base, '/_bench/health-pass', { method: 'POST' })).ms
      }),
    )
    record(
      'sign-up reconciler pass',
      await interleave(pair, passes, async (s) => {
        return (await timed(s.base, '/_bench/reconcile-pass', { method: 'POST' })).ms
      }),
    )

    log(`${backend.name}: throughput (refresh, getSession) at ${CONCURRENCY} in flight…`)
    const throughput = {
      refresh: await throughputPair(pair, sz.throughputSliceMs, async (s, a) => {
        const { res } = await timed(s.base, '/xrpc/com.atproto.server.refreshSession', {
          method: 'POST',
          headers: bearer(a.refreshJwt),
        })
        a.accessJwt = String(res.body.accessJwt)
        a.refreshJwt = String(res.body.refreshJwt)
      }),
      getSession: await throughputPair(pair, sz.throughputSliceMs, async (s, a) => {
        await timed(s.base, '/xrpc/com.atproto.server.getSession', { headers: bearer(a.accessJwt) })
      }),
    }
    return { backend: backend.name, sizes: [sz.small, large], seeds, sides: pair, ops, throughput }
  } finally {
    await stopAll()
  }
}

/**
 * Requests per second on each side with CONCURRENCY workers (one real account each), in four
 * slices per side alternating between the sides.
 */
async function throughputPair(
  sides: [Side, Side],
  sliceMs: number,
  fn: (s: Side, a: RealAccount) => Promise<void>,
): Promise<[number, number]> {
  const done = [0, 0]
  const spent = [0, 0]
  for (let slice = 0; slice < 8; slice++) {
    const k = slice % 2
    const s = sides[k]!
    const until = performance.now() + sliceMs
    const t0 = performance.now()
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, s.accounts.length) }, async (_, w) => {
        const a = s.accounts[w]!
        while (performance.now() < until) {
          await fn(s, a)
          done[k]!++
        }
      }),
    )
    spent[k]! += performance.now() - t0
  }
  return [done[0]! / (spent[0]! / 1000), done[1]! / (spent[1]! / 1000)]
}

// --- report -----------------------------------------------------------------------------------

type Measured = Awaited<ReturnType<typeof measureBackend>>

const f1 = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1))
const ratioOk = (r: number) => r <= RATIO_GOAL

function rowsOf(m: Measured): BenchResult[] {
  const [small, large] = m.sizes
  const out: BenchResult[] = []
  for (const o of m.ops) {
    for (const p of [50, 99]) {
      const s = pct(o.small, p)
      const l = pct(o.large, p)
      out.push({
        name: `${m.backend} ${o.op} p${p}: ${large} / ${small} accounts`,
        value: Number((l / s).toFixed(2)),
        unit: '×',
        goal: `≤ ${RATIO_GOAL}×`,
        pass: ratioOk(l / s),
        detail: { small: Number(f1(s)), large: Number(f1(l)), n: o.n },
      })
    }
  }
  const [sS, sL] = m.sides
  const best = (xs: number[]) => Math.min(...xs)
  out.push({
    name: `${m.backend} start-up at ${large} accounts (migrations included)`,
    value: Math.round(best(sL.startupMs)),
    unit: 'ms',
    goal: `< ${STARTUP_GOAL_MS} ms`,
    pass: best(sL.startupMs) < STARTUP_GOAL_MS,
    baseline: Math.round(best(sS.startupMs)),
    ratio: Number((best(sL.startupMs) / best(sS.startupMs)).toFixed(2)),
    note: `best of 2; whole process incl. module loading ${Math.round(best(sL.processMs))} ms`,
  })
  for (const [op, [s, l]] of Object.entries(m.throughput)) {
    out.push({
      name: `${m.backend} ${op} throughput per instance at ${large} accounts`,
      value: Math.round(l),
      unit: 'req/s',
      baseline: Math.round(s),
      ratio: Number((l / s).toFixed(2)),
      note: `${CONCURRENCY} in flight; baseline at ${small}; load generator on the same 2 cores`,
    })
  }
  for (const [label, r] of Object.entries(m.seeds)) {
    out.push({
      name: `${m.backend} seeding ${r.accounts} accounts (${label})`,
      value: Math.round(r.rows / (r.ms / 1000)),
      unit: 'rows/s',
      note: `${r.rows} rows in ${(r.ms / 1000).toFixed(1)} s`,
    })
  }
  return out
}

function markdown(all: Measured[], sz: Sizes, quick: boolean, startedAt: number): string {
  const lines = [
    '# Scale bench: costs as the accounts grow',
    '',
    `${new Date().toISOString()} · ${quick ? 'quick' : 'full'} run · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · Node ${process.version} · ${((Date.now() - startedAt) / 1000).toFixed(0)} s · \`./dev bench --only=scale\``,
    '',
    'Two gateways run side by side, one on a database seeded with the small count of accounts and one',
    'with the large; each operation alternates between them, so machine load hits both alike. Bulk',
    'accounts (routing row, finished sign-up, refresh token, two app passwords, an invite) are seeded',
    `in the database; ${sz.real} real accounts per side are signed up through the gateway on the lab's`,
    'PDSes and carry the session operations. Identity, proxy and admin lookups use a seeded account',
    'not asked for before on that side (nothing cached). Goal: large ÷ small ≤ ' +
      `${RATIO_GOAL}× at p50 and p99; start-up < ${STARTUP_GOAL_MS} ms at the large size.`,
    '',
  ]
  for (const m of all) {
    const [small, large] = m.sizes
    lines.push(`## ${m.backend}: ${small} vs ${large} accounts`, '')
    lines.push(
      `| operation | n | p50 ${small} | p50 ${large} | ratio | p99 ${small} | p99 ${large} | ratio | Δp50 ms | ok |`,
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    )
    for (const o of m.ops) {
      const [s50, l50, s99, l99] = [
        pct(o.small, 50),
        pct(o.large, 50),
        pct(o.small, 99),
        pct(o.large, 99),
      ]
      const ok = ratioOk(l50 / s50) && ratioOk(l99 / s99)
      lines.push(
        `| ${o.op} | ${o.n} | ${f1(s50)} | ${f1(l50)} | ${(l50 / s50).toFixed(2)} | ${f1(s99)} | ${f1(l99)} | ${(l99 / s99).toFixed(2)} | ${(l50 - s50).toFixed(1)} | ${ok ? 'yes' : 'NO'} |`,
      )
    }
    const [sS, sL] = m.sides
    lines.push(
      '',
      'Milliseconds. Start-up (build the gateway: open the database, run migrations, register the',
      'plugins, first health round, listen; best of two starts; the whole process adds module loading):',
      '',
      '| accounts | start-up ms | whole process ms | goal | ok |',
      '| --- | --- | --- | --- | --- |',
      ...[sS, sL].map(
        (s) =>
          `| ${s.size} | ${s.startupMs.map((v) => v.toFixed(0)).join(', ')} | ${s.processMs.map((v) => v.toFixed(0)).join(', ')} | < ${STARTUP_GOAL_MS} | ${s.label === 'large' ? (Math.min(...s.startupMs) < STARTUP_GOAL_MS ? 'yes' : 'NO') : ''} |`,
      ),
      '',
      `Throughput per instance (${CONCURRENCY} requests in flight, the load generator on the same cores):`,
      '',
      `| operation | req/s at ${small} | req/s at ${large} |`,
      '| --- | --- | --- |',
      ...Object.entries(m.throughput).map(
        ([op, [s, l]]) => `| ${op} | ${s.toFixed(0)} | ${l.toFixed(0)} |`,
      ),
      '',
      'Seeding:',
      '',
      '| accounts | rows | seconds | rows/s |',
      '| --- | --- | --- | --- |',
      ...Object.values(m.seeds).map(
        (r) =>
          `| ${r.accounts} | ${r.rows} | ${(r.ms / 1000).toFixed(1)} | ${Math.round(r.rows / (r.ms / 1000))} |`,
      ),
      '',
    )
  }
  return lines.join('\n')
}

export async function run(opts: Partial<BenchOptions> = {}): Promise<BenchResult[]> {
  const startedAt = Date.now()
  const sz = sizesFrom(process.argv.slice(2), opts.quick ?? false)
  const adminUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/test'
  const runId = randomBytes(3).toString('hex')
  opts.log?.(
    `scale: postgres ${sz.small} vs ${sz.large}, pglite ${sz.small} vs ${sz.pgliteLarge || 'skipped'}; ${sz.real} real accounts and ${sz.samples} samples per side`,
  )
  const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: false })
  const measured: Measured[] = []
  try {
    const pg = postgresBackend(adminUrl, runId)
    try {
      measured.push(await measureBackend(pg, fleet, sz, sz.large, opts))
    } finally {
      await pg.drop()
    }
    if (sz.pgliteLarge > 0) {
      const lite = pgliteBackend(join(fleet.dir, 'scale'))
      measured.push(await measureBackend(lite, fleet, sz, sz.pgliteLarge, opts))
    }
  } finally {
    await fleet.stop()
    agent.destroy()
  }
  mkdirSync(join(dir, 'results'), { recursive: true })
  const out = join(dir, 'results', 'scale.md')
  // the hand-written analysis below the marker outlives the measured tables above it
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : ''
  const analysis = previous.includes(ANALYSIS_MARKER)
    ? previous.slice(previous.indexOf(ANALYSIS_MARKER))
    : ''
  writeFileSync(
    out,
    [markdown(measured, sz, opts.quick ?? false, startedAt), analysis].filter(Boolean).join('\n'),
  )
  const rows = measured.flatMap(rowsOf)
  for (const r of rows.filter((x) => x.unit === '×'))
    opts.log?.(
      `${r.name}: ${r.value}× (${r.detail?.small} → ${r.detail?.large} ms) ${r.pass ? 'ok' : 'MISSED'}`,
    )
  opts.log?.('written to bench/results/scale.md')
  return rows
}
