// Runs every test file with tap, keeps the whole TAP stream in .tap/last-run.tap, prints one line
// per file (with the failing files' detail), then the counts of files, tests and assertions, each
// skip with its reason, and ends with the line "N passed, N failed, N skipped" where N counts
// assertions (scripts/tap-accounting.mjs says exactly what is counted). A file with no tests, a
// failed `tap build` and a runner that exits non-zero are failures. With CI set, a skip is a
// failure too: CI must run everything (the preflight in .ci/run says what is missing).
// Usage: node scripts/run-tests.mjs [test files or folders…]   (env TEST_JOBS sets parallel files)
//        node scripts/run-tests.mjs --recount <file.tap>        (counts a saved TAP stream again)
import { spawn, spawnSync } from 'node:child_process'
import {
  createWriteStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  existsSync,
} from 'node:fs'
import { join, relative } from 'node:path'
import { countsLine, createTally, summaryLine } from './tap-accounting.mjs'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) findTests(p, out)
    else if (/\.test\.ts$/.test(name)) out.push(relative(root, p))
  }
  return out
}

const inCI = !!process.env.CI && process.env.CI !== 'false'

function report(r, { ci }) {
  console.log(countsLine(r))
  for (const s of r.skips)
    console.log(`${s.kind === 'todo' ? 'TODO   ' : 'SKIPPED'} ${s.file} › ${s.name}: ${s.reason}`)
  if (ci && r.skips.length > 0)
    r.failures.push({ file: '', name: '', reason: `CI runs everything: ${r.skips.length} skipped` })
  for (const f of r.failures) {
    const where = [f.file, f.name].filter(Boolean).join(' › ')
    console.log(`FAILED  ${where ? `${where}: ` : ''}${f.reason}`)
  }
  console.log(summaryLine(r))
  return r.failures.length > 0 ? 1 : 0
}

if (args[0] === '--recount') {
  const tally = createTally()
  for (const line of readFileSync(args[1], 'utf8').split('\n')) tally.line(line)
  process.exit(report(tally.result(), { ci: inCI }))
}

const targets = args.length ? args : ['packages', 'apps', 'examples', 'scripts']
const files = targets
  .flatMap((t) =>
    existsSync(join(root, t)) && statSync(join(root, t)).isDirectory()
      ? findTests(join(root, t))
      : [t],
  )
  .sort()
if (files.length === 0) {
  console.log('no test files found')
  console.log('0 passed, 1 failed, 0 skipped')
  process.exit(1)
}

mkdirSync(join(root, '.tap'), { recursive: true })
const log = createWriteStream(join(root, '.tap', 'last-run.tap'))
const jobs = process.env.TEST_JOBS ?? '2'
const tapBin = join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs')
// tap builds its test class from the plugin list in .taprc (we drop its ts-node plugin for tsx)
// on first use; a run that starts before that build loads test files the wrong way. Build first.
const build = spawnSync(process.execPath, [tapBin, 'build'], { cwd: root, stdio: 'ignore' })
if (build.status !== 0) {
  console.log(
    '`tap build` failed (run `./dev node node_modules/tap/dist/esm/run.mjs build` to see why)',
  )
  console.log('0 passed, 1 failed, 0 skipped')
  process.exit(1)
}

const started = Date.now()
const tally = createTally()
const fileTimes = []
let fileBlock = []
let buffer = ''
const filePoint = /^(not ok|ok)\b(?: \d+)?(?: - )?(.*?)(?:\s+(?<!\\)#\s*(.*))?$/

function onLine(line) {
  log.write(line + '\n')
  tally.line(line)
  fileBlock.push(line)
  const m = filePoint.exec(line)
  if (!m) return
  // a whole file finished: print its line, and its detail when it failed or ran no tests
  const [, status, name, directive = ''] = m
  const good = status === 'ok' && !/^(SKIP|TODO)\b/i.test(directive)
  const ms = /time=([\d.]+)ms/.exec(directive)
  if (ms) fileTimes.push({ name, ms: Number(ms[1]) })
  console.log(
    `${good ? 'ok    ' : 'FAILED'} ${name}${good ? '' : directive ? ` (${directive})` : ''}`,
  )
  if (!good) console.log(fileBlock.filter((l) => l.trim()).join('\n'))
  fileBlock = []
}

// Files that measure throughput or timing side by side say `@serial-test` near their top: they run
// after the others, one at a time, so a parallel test file's load does not skew their ratios.
const isSerial = (f) => readFileSync(join(root, f), 'utf8').slice(0, 2000).includes('@serial-test')
const batches = [
  { files: files.filter((f) => !isSerial(f)), jobs },
  { files: files.filter(isSerial), jobs: '1' },
].filter((b) => b.files.length > 0)

function runBatch({ files: batch, jobs: j }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tapBin, '--reporter=tap', `--jobs=${j}`, ...batch], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FORCE_COLOR: '0' },
    })
    buffer = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      buffer += chunk
      let i
      while ((i = buffer.indexOf('\n')) >= 0) {
        onLine(buffer.slice(0, i))
        buffer = buffer.slice(i + 1)
      }
    })
    child.on('close', (code) => {
      if (buffer) onLine(buffer)
      resolve(code)
    })
  })
}

const result = tally.result()
for (const batch of batches) {
  const code = await runBatch(batch)
  // tap exits non-zero on any failure; one that no counted failure explains is the runner's own
  if (code !== 0 && result.failures.length === 0)
    result.failures.push({ file: '', name: '', reason: `tap exited with code ${code}` })
}
log.end()
// where the run's time goes (wall time per file, under the parallel load), slowest first
const slowest = fileTimes.sort((a, b) => b.ms - a.ms).slice(0, 12)
console.log(
  `tests: ${Math.round((Date.now() - started) / 1000)} s; slowest files (of ${fileTimes.length}, wall seconds):`,
)
for (const f of slowest) console.log(`  ${(f.ms / 1000).toFixed(1).padStart(6)}  ${f.name}`)
if (process.env.ENTRYWAY_CI_PHASES)
  console.log(`before the tests: ${process.env.ENTRYWAY_CI_PHASES}`)
console.log(`full TAP output: .tap/last-run.tap`)
process.exitCode = report(result, { ci: inCI })
