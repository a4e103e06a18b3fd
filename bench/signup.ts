// Sign-up latency through the Entryway vs createAccount on a standalone PDS, in one run.
//   ./dev node --import tsx bench/signup.ts [--n 20]
// Relative imports: the workspace packages resolve their own dependencies.
import { startFleet, startPds } from '../packages/testkit/src/index.js'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../apps/gateway/src/index.js'

import type { BenchOptions, BenchResult } from './types.js'

const DEFAULT_N = 20
const QUICK_N = 6

async function createAccount(base: string, body: Record<string, string>): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(`${base}/xrpc/com.atproto.server.createAccount`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`createAccount at ${base}: ${res.status} ${text}`)
  return performance.now() - t0
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

export async function run(
  opts: Partial<BenchOptions> & { n?: number } = {},
): Promise<BenchResult[]> {
  const n = opts.n ?? (opts.quick ? QUICK_N : DEFAULT_N)
  opts.log?.(`signup: ${n} sign-ups each way`)
  const fleet = await startFleet({ pdsCount: 1, gateway: false, mail: false })
  try {
    const env = readEnv(fleet.gatewayEnv)
    const cfg = envToCfg(env)
    const gw = await buildGateway(cfg, envToSecrets(env), { logger: false })
    try {
      await gw.app.listen({ port: fleet.entryway.port, host: cfg.service.host })
      // the same PDS build without an entryway: it creates the DID and the account itself
      const standalone = await startPds({
        plcUrl: fleet.plc.url,
        entryway: fleet.entryway,
        adminPassword: fleet.adminPassword,
        handleDomains: fleet.handleDomains,
        env: {
          PDS_ENTRYWAY_URL: '',
          PDS_ENTRYWAY_DID: '',
          PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX: '',
          PDS_ENTRYWAY_PLC_ROTATION_KEY: '',
          PDS_BSKY_APP_VIEW_URL: '',
          PDS_BSKY_APP_VIEW_DID: '',
        },
      })
      try {
        const viaEntryway: number[] = []
        const direct: number[] = []
        // warm-up, then interleave so drift on the shared box hits both sides alike
        await createAccount(fleet.entryway.url, {
          handle: 'warmupe.test',
          email: 'warmupe@bench.test',
          password: 'pw',
        })
        await createAccount(standalone.url, {
          handle: 'warmupd.test',
          email: 'warmupd@bench.test',
          password: 'pw',
        })
        for (let i = 0; i < n; i++) {
          viaEntryway.push(
            await createAccount(fleet.entryway.url, {
              handle: `e${i}bench.test`,
              email: `e${i}@bench.test`,
              password: `pw${i}`,
            }),
          )
          direct.push(
            await createAccount(standalone.url, {
              handle: `d${i}bench.test`,
              email: `d${i}@bench.test`,
              password: `pw${i}`,
            }),
          )
        }
        const e50 = pct(viaEntryway, 50)
        const d50 = pct(direct, 50)
        return [
          {
            name: 'signup latency p50 (Entryway vs standalone PDS)',
            unit: 'ms',
            value: Math.round(e50),
            baseline: Math.round(d50),
            ratio: Number((e50 / d50).toFixed(2)),
            goal: '≤ 1.3×',
            pass: e50 / d50 <= 1.3,
            note: 'sequential, interleaved, after one warm-up each; shared 2-core box',
            detail: {
              n,
              entrywayP90: Math.round(pct(viaEntryway, 90)),
              directP90: Math.round(pct(direct, 90)),
            },
          },
        ]
      } finally {
        await standalone.stop()
      }
    } finally {
      await gw.app.close()
    }
  } finally {
    await fleet.stop()
  }
}

if (process.argv[1]?.endsWith('bench/signup.ts')) {
  const i = process.argv.indexOf('--n')
  const results = await run({ n: i > 0 ? Number(process.argv[i + 1]) : undefined })
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`)
}
