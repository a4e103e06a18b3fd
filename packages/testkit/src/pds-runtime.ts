import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { withFileLock } from './file-lock.js'
import {
  DEFAULT_PDS_RUNTIME_DIR,
  PDS_RUNTIME_SOURCE_DIR,
  pinnedNodeHeadersDir,
  pinnedNodePath,
} from './paths.js'

const STAMP_FILE = '.entryway-runtime-stamp'
const PROGRESS_EVERY_MS = 15_000

export interface PdsRuntime {
  /** The installed folder (`.cache/pds-runtime`). */
  dir: string
  /** The pinned Node that runs the PDS and PLC. */
  nodePath: string
  pdsScript: string
  plcScript: string
}

export interface EnsurePdsRuntimeOptions {
  /** Install folder. @default `<repo>/.cache/pds-runtime` */
  dir?: string
  /** Called with one human-readable line per step while installing. */
  onProgress?: (line: string) => void
}

const memo = new Map<string, Promise<PdsRuntime>>()

/**
 * Installs the pinned PDS and PLC (`packages/testkit/pds-runtime`) with `npm ci` under the pinned
 * Node, once: later calls (in any process) see the stamp and return at once. Concurrent callers
 * wait on a file lock, so two test files never install over each other.
 */
export function ensurePdsRuntime(opts: EnsurePdsRuntimeOptions = {}): Promise<PdsRuntime> {
  const dir = opts.dir ?? DEFAULT_PDS_RUNTIME_DIR
  let p = memo.get(dir)
  if (!p) {
    p = install(dir, opts.onProgress ?? (() => {}))
    memo.set(dir, p)
    p.catch(() => memo.delete(dir))
  }
  return p
}

async function install(dir: string, progress: (line: string) => void): Promise<PdsRuntime> {
  const nodePath = pinnedNodePath()
  const runtime: PdsRuntime = {
    dir,
    nodePath,
    pdsScript: join(dir, 'pds.mjs'),
    plcScript: join(dir, 'plc.mjs'),
  }
  const stamp = computeStamp(nodePath)
  if (isInstalled(dir, stamp)) {
    syncRunnerScripts(dir)
    return runtime
  }
  mkdirSync(dirname(dir), { recursive: true })
  await withFileLock(
    `${dir}.lock`,
    async () => {
      if (isInstalled(dir, stamp)) return // another process installed it while we waited
      progress(
        `installing the PDS runtime (@atproto/pds, @did-plc/server) into ${dir} — about 2–3 minutes, once`,
      )
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      for (const f of ['package.json', 'package-lock.json']) {
        writeFileSync(join(dir, f), readFileSync(join(PDS_RUNTIME_SOURCE_DIR, f)))
      }
      await npmCi(dir, nodePath, progress)
      writeFileSync(join(dir, STAMP_FILE), stamp)
      progress('PDS runtime installed')
    },
    { onWait: () => progress('another process is installing the PDS runtime; waiting for it…') },
  )
  syncRunnerScripts(dir)
  return runtime
}

function computeStamp(nodePath: string): string {
  const hash = createHash('sha256')
  for (const f of ['package.json', 'package-lock.json'])
    hash.update(readFileSync(join(PDS_RUNTIME_SOURCE_DIR, f)))
  // The real path: worktrees sharing one .cache reach the same Node through different symlinks, and
  // a stamp per path made each of them reinstall the shared runtime under the others' running PDSes.
  hash.update(realpathSync(nodePath))
  return hash.digest('hex')
}

function isInstalled(dir: string, stamp: string): boolean {
  try {
    return (
      readFileSync(join(dir, STAMP_FILE), 'utf8') === stamp &&
      existsSync(join(dir, 'node_modules', '@atproto', 'pds', 'package.json'))
    )
  } catch {
    return false
  }
}

/** The runner scripts are copied next to node_modules so they resolve the installed packages. */
function syncRunnerScripts(dir: string) {
  for (const name of readdirSync(PDS_RUNTIME_SOURCE_DIR)) {
    if (!name.endsWith('.mjs')) continue
    const src = readFileSync(join(PDS_RUNTIME_SOURCE_DIR, name))
    const dest = join(dir, name)
    if (existsSync(dest) && readFileSync(dest).equals(src)) continue
    const tmp = `${dest}.${process.pid}.tmp`
    writeFileSync(tmp, src)
    renameSync(tmp, dest) // atomic: a process starting right now reads the old or the new file
  }
}

function npmCi(dir: string, nodePath: string, progress: (line: string) => void): Promise<void> {
  const nodeBin = dirname(nodePath)
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // the pinned Node first on PATH: npm and node-gyp run on it and build better-sqlite3 for it
    PATH: `${nodeBin}:${process.env.PATH ?? ''}`,
    // ~/.npmrc on these machines sets nodedir=/usr (system Node 20 headers): override it
    npm_config_nodedir: pinnedNodeHeadersDir(nodePath),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  }
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const ticker = setInterval(() => {
      progress(
        `  still installing the PDS runtime (${Math.round((Date.now() - started) / 1000)} s; better-sqlite3 compiles from source)`,
      )
    }, PROGRESS_EVERY_MS)
    child.once('error', (err) => {
      clearInterval(ticker)
      reject(new Error(`@entryway/testkit: cannot run npm: ${err.message}`, { cause: err }))
    })
    child.once('close', (code) => {
      clearInterval(ticker)
      if (code === 0) resolve()
      else reject(new Error(`@entryway/testkit: npm ci failed in ${dir} (exit ${code})\n${output}`))
    })
  })
}
