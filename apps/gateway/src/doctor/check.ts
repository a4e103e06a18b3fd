/** One line of the doctor's report. `skip`: not configured, nothing to check. */
export interface CheckResult {
  name: string
  status: 'ok' | 'fail' | 'skip'
  /** What was seen (ok) or what is wrong (fail). */
  detail: string
  /** What to change, on a failure. */
  fix?: string
}

/** A failure with its fix, thrown from inside a check. */
export class CheckFailure extends Error {
  override name = 'CheckFailure'
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message)
  }
}

/** Runs one check: its answer is the detail; a `CheckFailure` or any other error turns it red. */
export async function check(
  name: string,
  fix: string,
  run: () => Promise<string | { skip: string }>,
): Promise<CheckResult> {
  try {
    const out = await run()
    return typeof out === 'string'
      ? { name, status: 'ok', detail: out }
      : { name, status: 'skip', detail: out.skip }
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string; message?: string } }
    const why = e.cause?.code ?? e.code
    const detail = `${e.message}${why && !e.message.includes(why) ? ` (${why})` : ''}`
    return {
      name,
      status: 'fail',
      detail,
      fix: err instanceof CheckFailure && err.fix ? err.fix : fix,
    }
  }
}

const COLOR = {
  ok: '\x1b[32m',
  fail: '\x1b[31m',
  skip: '\x1b[33m',
  dim: '\x1b[2m',
  reset: '\x1b[0m',
}
const MARK = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' }

/** One line a check (green, red or yellow), the fix indented under a failure. */
export function formatResults(results: readonly CheckResult[], color: boolean): string {
  const paint = (c: keyof typeof COLOR, s: string) => (color ? `${COLOR[c]}${s}${COLOR.reset}` : s)
  const lines = results.flatMap((r) => [
    `${paint(r.status, MARK[r.status])} ${r.name}: ${r.detail}`,
    ...(r.status === 'fail' && r.fix ? [paint('dim', `     fix: ${r.fix}`)] : []),
  ])
  const failed = results.filter((r) => r.status === 'fail').length
  lines.push(
    failed
      ? paint('fail', `${failed} of ${results.length} checks failed`)
      : paint('ok', `all ${results.length} checks passed`),
  )
  return lines.join('\n')
}
