// `./dev bench [--quick] [--only name,…]`: runs every bench module (bench/*.ts exporting `run`)
// one after another, prints one results table and writes it to bench/results/latest.md.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { cpus } from 'node:os'
import type { BenchOptions, BenchResult, BenchRun } from './types.js'

const dir = new URL('.', import.meta.url).pathname
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const only = onlyArg ? new Set(onlyArg.split(',')) : null
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`)

const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'types.ts'].includes(f) && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .filter((name) => !only || only.has(name))
  // only modules that export run(): importing a script-style bench would start it with our argv
  .filter((name) => {
    const ok = /export\s+(async\s+)?function\s+run\b|export\s+const\s+run\b/.test(
      readFileSync(join(dir, `${name}.ts`), 'utf8'),
    )
    if (!ok)
      log(
        `${name}: no run() export, skipped (run it on its own: ./dev node --import tsx bench/${name}.ts)`,
      )
    return ok
  })
  .sort()

const rows: BenchResult[] = []
const started = Date.now()
for (const name of modules) {
  const mod = (await import(join(dir, `${name}.ts`))) as { run?: BenchRun }
  if (typeof mod.run !== 'function') {
    log(`${name}: no run() export, skipped`)
    continue
  }
  log(`${name}: running${quick ? ' (quick)' : ''}…`)
  const opts: BenchOptions = { quick, log: (m) => log(`${name}: ${m}`) }
  try {
    for (const r of await mod.run(opts)) {
      const extra = [
        r.baseline !== undefined ? `baseline ${r.baseline}` : '',
        r.ratio !== undefined ? `ratio ${r.ratio}` : '',
        r.detail ? JSON.stringify(r.detail) : '',
      ].filter(Boolean)
      rows.push({
        ...r,
        suite: r.suite ?? name,
        note: [r.note, ...extra].filter(Boolean).join('; ') || undefined,
      })
    }
  } catch (err) {
    log(`${name}: FAILED ${(err as Error).stack ?? err}`)
    rows.push({
      suite: name,
      name: 'run',
      value: 'failed',
      unit: '',
      note: String((err as Error).message ?? err),
      pass: false,
    })
  }
}

const fmt = (v: number | string) =>
  typeof v === 'number'
    ? Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(2)
    : v
const header = ['suite', 'measure', 'value', 'unit', 'goal', 'ok', 'note']
const table = rows.map((r) => [
  r.suite ?? '',
  r.name,
  fmt(r.value),
  r.unit,
  r.goal ?? '',
  r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
  r.note ?? '',
])
const md = [
  `# Bench results`,
  ``,
  `${new Date().toISOString()} · ${quick ? 'quick' : 'full'} run · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · Node ${process.version} · ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  `Ratios are measured side by side in one run; absolute numbers move with machine load.`,
  ``,
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...table.map((r) => `| ${r.join(' | ')} |`),
  ``,
].join('\n')
mkdirSync(join(dir, 'results'), { recursive: true })
writeFileSync(join(dir, 'results', 'latest.md'), md)

const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => String(r[i]).length)))
const line = (cells: string[]) => cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')
console.log(line(header))
console.log(line(widths.map((w) => '-'.repeat(w))))
for (const r of table) console.log(line(r))
console.log(`\nwritten to bench/results/latest.md`)
if (rows.some((r) => r.value === 'failed')) process.exitCode = 1
