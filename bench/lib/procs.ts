import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createInterface } from 'node:readline'

export interface Child {
  proc: ChildProcess
  ready: Record<string, unknown>
  stop: () => Promise<void>
}

/** Starts `node --import tsx <file>` and waits (bounded) for its first stdout line, a JSON object. */
export async function spawnTsChild(
  file: string,
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<Child> {
  const proc = spawn(process.execPath, ['--conditions=@entryway/source', '--import', 'tsx', file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return waitReady(proc, timeoutMs, file)
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
export function stopper(proc: ChildProcess): () => Promise<void> {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGTERM')
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(t)
  }
}

function waitReady(proc: ChildProcess, timeoutMs: number, what: string): Promise<Child> {
  let stderr = ''
  proc.stderr?.on('data', (c) => (stderr = (stderr + c).slice(-4000)))
  const stop = stopper(proc)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${what} not ready within ${timeoutMs} ms: ${stderr}`))
    }, timeoutMs)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${code}): ${stderr}`))
    })
    const rl = createInterface({ input: proc.stdout! })
    rl.once('line', (line) => {
      clearTimeout(timer)
      proc.removeAllListeners('exit')
      try {
        resolve({ proc, ready: JSON.parse(line), stop })
      } catch {
        void stop()
        reject(new Error(`${what} printed ${line}`))
      }
    })
  })
}

/** utime + stime of a process and of its direct children, in clock ticks (100 per second). */
export function cpuTicks(pid: number, withChildren = false): number {
  let total = ticksOf(pid)
  if (withChildren) {
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue
      const stat = statFields(Number(p))
      if (stat && Number(stat[1]) === pid) total += Number(stat[11]) + Number(stat[12])
    }
  }
  return total
}

export const TICK_US = 10_000

function ticksOf(pid: number): number {
  const f = statFields(pid)
  return f ? Number(f[11]) + Number(f[12]) : 0
}

/** Fields after `(comm)`: [0] state, [1] ppid, … [11] utime, [12] stime. */
function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return s.slice(s.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** Resident set size in bytes (VmRSS), summed with direct children when asked. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}
