// Runs every test file with tap, keeps the whole TAP stream in .tap/last-run.tap, prints one line
// per file (with the failing files' detail) and ends with the line "N passed, N failed".
// Usage: node scripts/run-tests.mjs [test files or folders…]   (env TEST_JOBS sets parallel files)
import { spawn, spawnSync } from 'node:child_process'
import { createWriteStream, mkdirSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'

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

const targets = args.length ? args : ['packages', 'apps', 'examples']
const files = targets.flatMap((t) => (existsSync(join(root, t)) && statSync(join(root, t)).isDirectory() ? findTests(join(root, t)) : [t])).sort()
if (files.length === 0) {
  console.log('no test files found')
  console.log('0 passed, 1 failed')
  process.exit(1)
}

mkdirSync(join(root, '.tap'), { recursive: true })
const log = createWriteStream(join(root, '.tap', 'last-run.tap'))
const jobs = process.env.TEST_JOBS ?? '2'
const tapBin = join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs')
// tap builds its test class from the plugin list in .taprc (we drop its ts-node plugin for tsx)
// on first use; a run that starts before that build loads test files the wrong way. Build first.
const build = spawnSync(process.execPath, [tapBin, 'build'], { cwd: root, stdio: 'ignore' })
if (build.status !== 0) console.log('warning: `tap build` failed; the run may load tests wrongly')

let passed = 0
let failed = 0
let skipped = 0
let fileBlock = []
let buffer = ''
const point = /^(\s*)(not ok|ok) \d+ - (.*?)(?:\s+#\s*(SKIP|TODO|time=.*))?$/

function onLine(line) {
  log.write(line + '\n')
  fileBlock.push(line)
  const m = point.exec(line)
  if (!m) return
  const [, indent, status, name, directive] = m
  const isLeaf = true
  if (directive && /^(SKIP|TODO)/.test(directive)) skipped++
  else if (status === 'ok' && isLeaf) passed++
  else if (status === 'not ok') failed++
  if (indent.length === 0) {
    // a whole file finished: print its line, and its detail when it failed
    console.log(`${status === 'ok' ? 'ok    ' : 'FAILED'} ${name}`)
    if (status !== 'ok') console.log(fileBlock.filter((l) => l.trim()).join('\n'))
    fileBlock = []
  }
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

let runnerFailed = false
for (const batch of batches) {
  const code = await runBatch(batch)
  if (code !== 0) runnerFailed = true
}
log.end()
if (runnerFailed && failed === 0) failed = 1 // a runner itself failed (crash, timeout)
console.log(`full TAP output: .tap/last-run.tap`)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exitCode = failed > 0 ? 1 : 0
