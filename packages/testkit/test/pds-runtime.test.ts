import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ensurePdsRuntime, withFileLock } from '../src/index.js'

t.test('the runtime is installed once; concurrent callers share it', async (t) => {
  const [a, b] = await Promise.all([ensurePdsRuntime(), ensurePdsRuntime()])
  t.same(a, b)
  t.ok(existsSync(join(a.dir, 'node_modules', '@atproto', 'pds', 'package.json')))
  t.ok(existsSync(a.pdsScript))
  t.ok(existsSync(a.plcScript))
  t.ok(existsSync(join(a.dir, 'watch-parent.mjs')))
})

t.test('the file lock lets one holder in at a time', async (t) => {
  const lock = join(t.testdir(), 'lock')
  let inside = 0
  let maxInside = 0
  const work = () =>
    withFileLock(lock, async () => {
      inside++
      maxInside = Math.max(maxInside, inside)
      await new Promise((r) => setTimeout(r, 50))
      inside--
    })
  await Promise.all([work(), work(), work()])
  t.equal(maxInside, 1)
  t.notOk(existsSync(lock), 'released')
})

t.test('a lock left by a dead process is broken', async (t) => {
  const lock = join(t.testdir(), 'lock')
  mkdirSync(lock)
  writeFileSync(join(lock, 'pid'), '2147483646') // no such process
  t.equal(await withFileLock(lock, async () => 'ran'), 'ran')
})
