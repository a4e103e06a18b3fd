import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PDS_RUNTIME_SOURCE_DIR } from './paths.js'

export const DEFAULT_START_TIMEOUT_MS = 60_000
export const DEFAULT_STOP_TIMEOUT_MS = 10_000
const HEALTH_POLL_MS = 150
const LOG_TAIL_LINES = 40

/** `--import` this into a Node child so it stops itself when its parent disappears. */
/** Node flag that resolves workspace packages to their TypeScript source (no build needed). */
export const SOURCE_CONDITION = '--conditions=@entryway/source'

export const WATCH_PARENT_IMPORT = pathToFileURL(
  join(PDS_RUNTIME_SOURCE_DIR, 'watch-parent.mjs'),
).href

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface SpawnServiceOptions {
  /** A short name used in errors and progress ("pds 1", "plc"). */
  name: string
  command: string
  args: string[]
  env: NodeJS.ProcessEnv
  cwd?: string
  /** stdout and stderr of the child go to this file (appended). */
  logFile: string
  /** GET this URL until it answers 200. */
  healthUrl?: string
  startTimeoutMs?: number
  /** Called once if the child exits when nobody asked it to stop. */
  onUnexpectedExit?: (info: ExitInfo & { name: string; logTail: string }) => void
}

export interface ServiceProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  readonly child: ChildProcess
  /** Resolves when the child has exited, whatever the reason. */
  readonly exited: Promise<ExitInfo>
  /** True once the child has exited. */
  readonly hasExited: boolean
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
  stop(timeoutMs?: number): Promise<ExitInfo>
  kill(signal?: NodeJS.Signals): void
  logTail(lines?: number): string
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // last resort: whatever way this process ends normally, its children do not outlive it
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

/** Children of this process that are still running (for tests and diagnostics). */
export function liveServicePids(): number[] {
  return [...live].map((c) => c.pid!).filter(Boolean)
}

/** Spawns a long-running child with its output in a log file, and waits until it is healthy. */
export async function spawnService(opts: SpawnServiceOptions): Promise<ServiceProcess> {
  installExitHook()
  mkdirSync(dirname(opts.logFile), { recursive: true })
  const fd = openSync(opts.logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', fd, fd],
    })
  } finally {
    closeSync(fd)
  }
  live.add(child)
  let stopping = false
  let exitInfo: ExitInfo | null = null
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (err) => {
      exitInfo ??= { code: null, signal: null }
      live.delete(child)
      resolve(exitInfo)
      void err
    })
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      live.delete(child)
      resolve(exitInfo)
    })
  })
  const logTail = (lines = LOG_TAIL_LINES) => readTail(opts.logFile, lines)
  void exited.then((info) => {
    if (!stopping) opts.onUnexpectedExit?.({ ...info, name: opts.name, logTail: logTail() })
  })

  const service: ServiceProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    child,
    exited,
    get hasExited() {
      return exitInfo !== null
    },
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      stopping = true
      if (exitInfo) return exitInfo
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      stopping = true
      child.kill(signal)
    },
    logTail,
  }

  if (opts.healthUrl) {
    try {
      await waitForHealth(opts.healthUrl, {
        timeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
        exited,
      })
    } catch (err) {
      await service.stop(2_000)
      throw new Error(
        `${opts.name}: ${(err as Error).message}\n--- last lines of ${opts.logFile} ---\n${logTail()}`,
        {
          cause: err,
        },
      )
    }
  } else if (!child.pid) {
    await exited
    throw new Error(`${opts.name}: could not start ${opts.command}\n${logTail()}`)
  }
  return service
}

export interface WaitForHealthOptions {
  timeoutMs?: number
  /** Stop waiting (and fail) when this resolves: the process died. */
  exited?: Promise<ExitInfo>
}

/** Polls `url` until it answers 200. */
export async function waitForHealth(url: string, opts: WaitForHealthOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS)
  let died: ExitInfo | null = null
  void opts.exited?.then((info) => {
    died = info
  })
  let lastError = 'no answer'
  while (Date.now() < deadline) {
    if (died) {
      const d = died as ExitInfo
      throw new Error(`exited before it was healthy (code ${d.code}, signal ${d.signal})`)
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await res.arrayBuffer()
      if (res.status === 200) return
      lastError = `status ${res.status}`
    } catch (err) {
      lastError = (err as Error).message
    }
    await new Promise((r) => setTimeout(r, HEALTH_POLL_MS))
  }
  throw new Error(
    `not healthy after ${opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms at ${url} (${lastError})`,
  )
}

function readTail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8')
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
  } catch {
    return '(no log)'
  }
}
