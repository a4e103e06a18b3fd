import t from 'tap'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileRbacSource, permissionsFor } from '../src/index.js'

const DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
const v1 = `roles:\n  moderator: { endpoints: [com.atproto.admin.getAccountInfo] }\nmembers:\n  ${DID}: [moderator]\n`
const v2 = `roles:\n  pds-admin: { endpoints: ['com.atproto.admin.*'] }\nmembers:\n  ${DID}: [pds-admin]\n`

function setup(t: Tap) {
  const dir = mkdtempSync(join(tmpdir(), 'rbac-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'rbac.yaml')
  writeFileSync(path, v1)
  const logs: { level: string; obj: Record<string, unknown>; msg: string }[] = []
  const results: boolean[] = []
  let wake: (() => void) | null = null
  const src = new FileRbacSource({
    path,
    pollIntervalMs: 50,
    debounceMs: 10,
    log: {
      info: (obj, msg) => logs.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
      error: (obj, msg) => logs.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
    },
    onReload: (r) => {
      results.push(r.ok)
      wake?.()
    },
  })
  t.teardown(() => src.close())
  const nextReload = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reload within 5 s')), 5_000)
      wake = () => {
        clearTimeout(timer)
        wake = null
        resolve()
      }
    })
  return { path, src, logs, results, nextReload }
}
type Tap = { teardown(fn: () => unknown): void }

t.test('a valid edit applies without a restart (atomic rename, as editors do)', async (t) => {
  const { path, src, nextReload } = setup(t)
  t.notOk(permissionsFor(src.current(), DID).allows('com.atproto.admin.deleteAccount', null))
  const wait = nextReload()
  writeFileSync(`${path}.tmp`, v2)
  renameSync(`${path}.tmp`, path)
  await wait
  t.ok(permissionsFor(src.current(), DID).allows('com.atproto.admin.deleteAccount', null))
})

t.test(
  'an invalid edit is refused, logged with its problems, and the last good policy stays',
  async (t) => {
    const { path, src, logs, results, nextReload } = setup(t)
    const wait = nextReload()
    writeFileSync(
      path,
      `roles:\n  moderator: { endpoints: ['com..bad'] }\nmembers:\n  ${DID}: [moderator, ghost]\n`,
    )
    await wait
    t.same(results, [false])
    t.ok(
      permissionsFor(src.current(), DID).allows('com.atproto.admin.getAccountInfo', null),
      'still in force',
    )
    const err = logs.find((l) => l.level === 'error')!
    t.equal(err.msg, 'rbac file refused; keeping the last good policy')
    t.match(
      (err.obj.problems as string[]).join('\n'),
      /roles\.moderator\.endpoints\[0\][^]*unknown role "ghost"/,
    )
    // The same bad content is not re-logged on every poll; a fix applies.
    const fixed = nextReload()
    writeFileSync(path, v2)
    await fixed
    t.same(results, [false, true])
    t.equal(logs.filter((l) => l.level === 'error').length, 1)
  },
)

t.test('a broken file at start stops boot', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rbac-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'r.yaml'), 'roles: {}\n')
  t.throws(
    () =>
      new FileRbacSource({
        path: join(dir, 'r.yaml'),
        pollIntervalMs: 1000,
        debounceMs: 10,
        log: { info() {}, error() {} },
      }),
    { name: 'RbacConfigError' },
  )
})
