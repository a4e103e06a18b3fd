// Where the gateway's memory goes: what importing each suspect costs in a fresh Node (RSS and heap
// deltas over a bare `node --import tsx`), and the whole gateway idle on Postgres. A measurement,
// not a test: `./dev node --conditions=@entryway/source --import tsx bench/memory.ts [--runs N]`
// with MEMORY_DATABASE_URL (a database it may migrate). Prints a markdown table.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

const here = import.meta.dirname
const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3

const CASES: { label: string; args: string[] }[] = [
  { label: 'node + tsx (baseline)', args: ['none'] },
  { label: 'fastify', args: ['import', 'packages/proxy', 'fastify'] },
  {
    label: '@atproto/lexicon',
    args: ['import', 'packages/xrpc/node_modules/@atproto/api', '@atproto/lexicon'],
  },
  { label: '@atproto/api', args: ['import', 'apps/gateway', '@atproto/api'] },
  {
    label: '@atproto/oauth-provider/provider',
    args: ['import', 'packages/oauth', '@atproto/oauth-provider/provider'],
  },
  {
    label: '@atproto/oauth-client-node',
    args: ['import', 'packages/admin-rbac', '@atproto/oauth-client-node'],
  },
  { label: '@atproto/xrpc-server', args: ['import', 'apps/gateway', '@atproto/xrpc-server'] },
  { label: '@entryway/xrpc', args: ['import', '.', './packages/xrpc/src/index.ts'] },
  { label: '@entryway/oauth', args: ['import', '.', './packages/oauth/src/index.ts'] },
  {
    label: '@entryway/gateway (import only)',
    args: ['import', '.', './apps/gateway/src/index.ts'],
  },
]
if (process.env.MEMORY_DATABASE_URL)
  CASES.push({ label: 'gateway idle on Postgres (listening)', args: ['gateway'] })

function once(args: string[]): Record<string, number> {
  const out = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@entryway/source',
      '--import',
      'tsx',
      join(here, 'lib/memory-child.ts'),
      ...args,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mb = (n: number): string => (n / 1048576).toFixed(1)

const rows: { label: string; rss: number; heap: number }[] = []
for (const c of CASES) {
  const r = Array.from({ length: runs }, () => once(c.args))
  rows.push({
    label: c.label,
    rss: median(r.map((x) => x.rss!)),
    heap: median(r.map((x) => x.heapUsed!)),
  })
}
const base = rows[0]!
console.log(
  `| what (fresh node, median of ${runs}) | RSS MB | Δ RSS MB | heap used MB | Δ heap MB |`,
)
console.log('| --- | --- | --- | --- | --- |')
for (const r of rows)
  console.log(
    `| ${r.label} | ${mb(r.rss)} | ${r === base ? '' : mb(r.rss - base.rss)} | ${mb(r.heap)} | ${r === base ? '' : mb(r.heap - base.heap)} |`,
  )
