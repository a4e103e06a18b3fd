import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { once } from 'node:events'
import t, { type Test } from 'tap'
import { getFreePort, isPortFree, spawnService, type ExitInfo } from '../src/index.js'

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name)
const logFile = (t: Test) => join(t.testdir(), 'child.log')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await cond()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}

t.test('waits for health, stops with SIGTERM and frees the port', async (t) => {
  const port = await getFreePort()
  const svc = await spawnService({
    name: 'child',
    command: process.execPath,
    args: [fixture('http-child.mjs')],
    env: { PORT: String(port) },
    logFile: logFile(t),
    healthUrl: `http://127.0.0.1:${port}/xrpc/_health`,
  })
  t.ok(alive(svc.pid))
  t.notOk(await isPortFree(port))
  const info = await svc.stop()
  t.equal(info.code, 0)
  t.notOk(alive(svc.pid))
  t.ok(await isPortFree(port))
  t.match(svc.logTail(), /listening/)
})

t.test('a child that exits before it is healthy rejects with the tail of its log', async (t) => {
  await t.rejects(
    spawnService({
      name: 'broken',
      command: process.execPath,
      args: ['-e', 'console.error("boom: bad config"); process.exit(2)'],
      env: {},
      logFile: logFile(t),
      healthUrl: `http://127.0.0.1:${await getFreePort()}/xrpc/_health`,
    }),
    /broken: exited before it was healthy \(code 2[\s\S]*boom: bad config/,
  )
})

t.test('a child that dies later is reported once', async (t) => {
  const port = await getFreePort()
  const reports: (ExitInfo & { name: string })[] = []
  const svc = await spawnService({
    name: 'flaky',
    command: process.execPath,
    args: [fixture('http-child.mjs')],
    env: { PORT: String(port), EXIT_AFTER_MS: '300' },
    logFile: logFile(t),
    healthUrl: `http://127.0.0.1:${port}/xrpc/_health`,
    onUnexpectedExit: (info) => reports.push(info),
  })
  await svc.exited
  await new Promise((r) => setImmediate(r))
  t.equal(reports.length, 1)
  t.match(reports[0], { name: 'flaky', code: 3 })
})

t.test('a child stops itself when its parent is SIGKILLed', async (t) => {
  const parent = spawn(
    process.execPath,
    [
      '--conditions=@entryway/source',
      '--import',
      'tsx',
      fixture('orphaning-parent.ts'),
      t.testdir(),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  t.teardown(() => parent.kill('SIGKILL'))
  const [line] = (await once(parent.stdout, 'data')) as [Buffer]
  const { pid, port } = JSON.parse(line.toString()) as { pid: number; port: number }
  t.ok(alive(pid))
  parent.kill('SIGKILL')
  t.ok(await until(() => !alive(pid), 8_000), 'the orphan exited')
  t.ok(await until(() => isPortFree(port), 2_000), 'its port is free')
})
