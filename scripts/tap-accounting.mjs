// Counts a TAP 14 stream from `tap --reporter=tap` honestly: each point once, at the level it
// belongs to. A point closed by its own `# Subtest:` header is a test (a file when at depth 0), any
// other point is an assertion; a point whose directive is SKIP or TODO is a skip, whatever its
// reason. The runner's last line counts assertions (see `summaryLine`).
//
// Usage: const tally = createTally(); for (const line of lines) tally.line(line); tally.result()

// `ok 3 - name # SKIP reason`; tap escapes a `#` inside a name as `\#`, so the first unescaped
// ` # ` starts the directive.
const POINT = /^(\s*)(not ok|ok)\b(?: \d+)?(?: -)?(?: (.*?))?(?:\s+(?<!\\)#\s*(.*))?$/
const SUBTEST = /^(\s*)# Subtest(?:: (.*))?$/
const YAML_START = /^\s*---$/
const YAML_END = /^\s*\.\.\.$/

/**
 * @typedef {{ file: string, name: string, kind: 'skip' | 'todo', reason: string }} Skip
 * @typedef {{ file: string, name: string, reason: string }} Failure
 * @typedef {{
 *   files: { passed: number, failed: number },
 *   tests: { passed: number, failed: number },
 *   assertions: { passed: number, failed: number },
 *   skips: Skip[],
 *   failures: Failure[],
 * }} Result
 */

export function createTally() {
  /** @type {Result} */
  const r = {
    files: { passed: 0, failed: 0 },
    tests: { passed: 0, failed: 0 },
    assertions: { passed: 0, failed: 0 },
    skips: [],
    failures: [],
  }
  // open subtests, innermost last: where their closing point sits, whether a failure was counted
  // inside them already (so a failing test is one failure, not one per enclosing level)
  /** @type {{ indent: number, name: string, failedInside: boolean }[]} */
  const open = []
  let yamlIndent = -1
  let file = ''

  const markFailedInside = () => {
    for (const frame of open) frame.failedInside = true
  }

  /** @param {string} line */
  function line(line) {
    if (yamlIndent >= 0) {
      if (YAML_END.test(line) && line.search(/\S/) === yamlIndent) yamlIndent = -1
      return
    }
    if (YAML_START.test(line)) {
      yamlIndent = line.search(/\S/)
      return
    }
    if (/^\s*Bail out!/.test(line)) {
      r.failures.push({ file, name: '', reason: line.trim() })
      markFailedInside()
      return
    }
    const sub = SUBTEST.exec(line)
    if (sub) {
      open.push({ indent: sub[1].length, name: sub[2] ?? '', failedInside: false })
      if (sub[1].length === 0) file = sub[2] ?? ''
      return
    }
    const m = POINT.exec(line)
    if (!m) return
    const [, indentText, status, name = '', directiveText = ''] = m
    const indent = indentText.length
    const top = open[open.length - 1]
    const closesSubtest = top !== undefined && top.indent === indent
    const frame = closesSubtest ? open.pop() : undefined
    const directive = /^(SKIP|TODO)\b\s*(.*)$/i.exec(directiveText)
    const ok = status === 'ok'
    const pointName = [...open.slice(1).map((f) => f.name), name.replace(/\\#/g, '#')].join(' › ')

    if (indent === 0) {
      // a whole file: one with no tests in it (`# SKIP no tests found`) ran nothing, which is a
      // failure, not a pass
      if (ok && !directive) r.files.passed++
      else {
        r.files.failed++
        const alreadyCounted = frame?.failedInside ?? false
        if (!alreadyCounted) {
          const reason = directive
            ? `the file ran no tests (${directive[2] || directive[1]})`
            : 'the file failed outside any assertion (crash, timeout, exit code)'
          r.failures.push({ file: pointName, name: '', reason })
        }
      }
      file = ''
      return
    }

    const isTest = closesSubtest
    // a skipped `t.test` (or `t.skip`) has no `# Subtest` header and ran nothing: a skip, counted
    // once, neither a test nor an assertion
    if (directive) {
      const kind = directive[1].toUpperCase() === 'TODO' ? 'todo' : 'skip'
      r.skips.push({ file, name: pointName, kind, reason: directive[2] || '(no reason given)' })
      return
    }
    if (isTest) {
      if (ok) r.tests.passed++
      else {
        r.tests.failed++
        if (!frame?.failedInside)
          r.failures.push({
            file,
            name: pointName,
            reason: 'the test failed outside any assertion',
          })
        markFailedInside()
      }
      return
    }
    if (ok) r.assertions.passed++
    else {
      r.assertions.failed++
      r.failures.push({ file, name: pointName, reason: 'assertion failed' })
      markFailedInside()
    }
  }

  return {
    line,
    /** @returns {Result} */
    result: () => r,
  }
}

/**
 * The runner's last line. N passed and N failed count assertions (leaf points), plus each failure
 * that no failing assertion explains (a crash, a timeout, a file with no tests, a runner that
 * exited non-zero); N skipped counts skipped and todo tests and assertions. Each point is counted
 * once, at its own level; test and file summaries are not counted here but on the line before.
 * @param {Result} r
 */
export function summaryLine(r) {
  const failed = r.failures.length
  return `${r.assertions.passed} passed, ${failed} failed, ${r.skips.length} skipped`
}

/** @param {Result} r */
export function countsLine(r) {
  const f = r.files
  const t = r.tests
  const a = r.assertions
  const todo = r.skips.filter((s) => s.kind === 'todo').length
  return (
    `files: ${f.passed} passed, ${f.failed} failed; ` +
    `tests: ${t.passed} passed, ${t.failed} failed; ` +
    `assertions: ${a.passed} passed, ${a.failed} failed; ` +
    `skipped: ${r.skips.length - todo}, todo: ${todo}`
  )
}
