import { EntrywayConfigError } from '@entryway/xrpc'

/** One thing wrong with the environment: which variable, what is wrong, and a value that works. */
export interface ConfigProblem {
  name: string
  message: string
  /** A good value, shown as `NAME=example` (never a real secret). */
  example?: string
}

/** One line per problem: `ENTRYWAY_PUBLIC_URL: "x" is not a URL; e.g. ENTRYWAY_PUBLIC_URL=https://…`. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.name}: ${p.message}${p.example === undefined ? '' : `; e.g. ${p.name}=${p.example}`}`
}

/** Every problem found at once; its message is the whole list, one problem a line. */
export class ConfigProblemsError extends EntrywayConfigError {
  override name = 'ConfigProblemsError'
  readonly problems: readonly ConfigProblem[]
  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'))
    this.problems = problems
  }
}

/** Collects problems while a stage goes on, so the operator sees all of them in one run. */
export class ProblemList {
  readonly items: ConfigProblem[] = []
  add(name: string, message: string, example?: string): void {
    this.items.push({ name, message, ...(example === undefined ? {} : { example }) })
  }
  throwIfAny(): void {
    if (this.items.length) throw new ConfigProblemsError(this.items)
  }
}
