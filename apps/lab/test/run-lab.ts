// Runs the lab bin as a child, as a person would (`./dev lab`), for the lab's tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { REPO_ROOT } from '@entryway/testkit'
import type { LabInfo } from '../src/index.js'

const BIN = join(REPO_ROOT, 'apps', 'lab', 'src', 'bin.ts')
const START_TIMEOUT_MS = 180_000

export interface RunningLab {
  child: ChildProcess
  info: LabInfo
  output: () => string
  exit: Promise<number | null>
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Starts the lab in `dir` (default: a fresh test folder) and waits for lab.json. */
export async function runLab(
  t: Test,
  args: string[],
  opts: { dir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningLab> {
  const dir = opts.dir ?? t.testdir()
  const { DATABASE_URL: _omit, ...base } = process.env
  const child = spawn(
    process.execPath,
    [
      '--conditions=@entryway/source',
      '--import',
      'tsx',
      BIN,
      '--random-ports',
      '--dir',
      dir,
      ...args,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...base, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const file = join(dir, 'lab.json')
  const deadline = Date.now() + START_TIMEOUT_MS
  while (!existsSync(file)) {
    if (child.exitCode !== null)
      throw new Error(`the lab exited (${child.exitCode}) before it was up:\n${out}`)
    if (Date.now() > deadline)
      throw new Error(`the lab was not up after ${START_TIMEOUT_MS} ms:\n${out}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  const info = JSON.parse(readFileSync(file, 'utf8')) as LabInfo
  return { child, info, output: () => out, exit }
}
