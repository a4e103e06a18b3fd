import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { countsLine, createTally, summaryLine } from '../tap-accounting.mjs'

// What `tap --reporter=tap` wrote for three files: nested subtests, skips with and without a
// reason, a todo, a `t.skip`, a `#` in a name, a file with no tests and a failing assertion.
const STREAM = `TAP version 14
1..3
# Subtest: a.test.ts
    # Subtest: outer
        ok 1 - one
        # Subtest: inner
            ok 1 - deep
            ok 2 - should be equal
            1..2
        ok 2 - inner # time=4.5ms

        1..2
    ok 1 - outer # time=16.02ms

    ok 2 - skipped with reason # SKIP no redis-server
    ok 3 - skipped bare # SKIP
    ok 4 - todo # TODO later
    # Subtest: inner skip
        ok 1 - no Redis at x # SKIP
        ok 2 - p
        1..2
    ok 5 - inner skip # time=0.823ms

    ok 6 - top-level assertion \\# hash in name
    1..6
ok 1 - a.test.ts # time=79.819ms

# Subtest: empty.test.ts
    1..0 # no tests found
ok 2 - empty.test.ts # SKIP no tests found

# Subtest: fail.test.ts
    # Subtest: f
        not ok 1 - bad
          ---
          source: |
            ok 9 - a line inside a diagnostic is not a point
          ...
        ok 2 - x
        1..2
    not ok 1 - f # time=27.15ms
      ---
      at: here
      ...
    1..1
not ok 3 - fail.test.ts # time=49.853ms
`

function count(stream: string) {
  const tally = createTally()
  for (const line of stream.split('\n')) tally.line(line)
  return tally.result()
}

t.test('each point is counted once, at its own level', async (t) => {
  const r = count(STREAM)
  t.same(r.files, { passed: 1, failed: 2 })
  t.same(r.tests, { passed: 3, failed: 1 }, 'outer, inner, inner skip pass; f fails')
  t.same(
    r.assertions,
    { passed: 6, failed: 1 },
    'leaf points only: no summaries, nothing from a YAML block',
  )
  t.equal(
    countsLine(r),
    'files: 1 passed, 2 failed; tests: 3 passed, 1 failed; assertions: 6 passed, 1 failed; skipped: 3, todo: 1',
  )
})

t.test('a skip is a skip, with its reason, never a pass', async (t) => {
  const r = count(STREAM)
  t.same(
    r.skips.map((s) => [s.name, s.kind, s.reason]),
    [
      ['skipped with reason', 'skip', 'no redis-server'],
      ['skipped bare', 'skip', '(no reason given)'],
      ['todo', 'todo', 'later'],
      ['inner skip › no Redis at x', 'skip', '(no reason given)'],
    ],
  )
  t.equal(r.skips[0]!.file, 'a.test.ts')
})

t.test(
  'a file with no tests is a failure; a failing test is one failure, not one per level',
  async (t) => {
    const r = count(STREAM)
    t.same(
      r.failures.map((f) => [f.file, f.name, f.reason]),
      [
        ['empty.test.ts', '', 'the file ran no tests (no tests found)'],
        ['fail.test.ts', 'f › bad', 'assertion failed'],
      ],
    )
    t.equal(summaryLine(r), '6 passed, 2 failed, 4 skipped')
  },
)

t.test('a file that fails outside any assertion (a crash) is one failure', async (t) => {
  const r = count(
    '# Subtest: crash.test.ts\n    ok 1 - before\nnot ok 1 - crash.test.ts # time=3ms\n',
  )
  t.same(r.failures, [
    {
      file: 'crash.test.ts',
      name: '',
      reason: 'the file failed outside any assertion (crash, timeout, exit code)',
    },
  ])
  t.equal(summaryLine(r), '1 passed, 1 failed, 0 skipped')
})

t.test(
  '--recount: skips are listed with reasons; with CI set any skip fails the run',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'recount-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'run.tap')
    writeFileSync(
      file,
      STREAM.replace(/# Subtest: empty[\s\S]*?# SKIP no tests found\n/, '').replace(
        /# Subtest: fail[\s\S]*$/,
        '',
      ),
    )
    const runner = new URL('../run-tests.mjs', import.meta.url).pathname
    const run = (ci: string) =>
      spawnSync(process.execPath, [runner, '--recount', file], {
        encoding: 'utf8',
        env: { ...process.env, CI: ci },
      })

    const local = run('')
    t.equal(local.status, 0, local.stdout)
    t.match(local.stdout, /^SKIPPED a\.test\.ts › skipped with reason: no redis-server$/m)
    t.match(local.stdout, /^TODO {4}a\.test\.ts › todo: later$/m)
    t.equal(local.stdout.trim().split('\n').at(-1), '5 passed, 0 failed, 4 skipped')

    const ci = run('true')
    t.equal(ci.status, 1, 'CI fails a run with skips')
    t.match(ci.stdout, /^FAILED {2}CI runs everything: 4 skipped$/m)
    t.equal(ci.stdout.trim().split('\n').at(-1), '5 passed, 1 failed, 4 skipped')
  },
)
