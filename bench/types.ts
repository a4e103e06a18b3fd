/**
 * The contract between `bench/run.ts` and each bench module (`bench/<name>.ts`): export
 * `run(opts)` returning result rows. run.ts imports every such module, runs them one after
 * another and prints one table (also written to bench/results/latest.md).
 */
export interface BenchOptions {
  /** Short runs (about a minute in all) for CI and quick checks. */
  quick: boolean
  /** Progress lines (stderr). */
  log: (msg: string) => void
}

export interface BenchResult {
  /** The module, e.g. `proxy` (run.ts fills it in when absent). */
  suite?: string
  /** What was measured, e.g. `throughput: entryway / nginx`. */
  name: string
  value: number | string
  unit: string
  /** The goal in words, e.g. `≥ 0.6`. */
  goal?: string
  pass?: boolean
  note?: string
  /** Same measure on the reference path, and value / baseline. */
  baseline?: number
  ratio?: number
  detail?: Record<string, number | string>
}

export type BenchRun = (opts: BenchOptions) => Promise<BenchResult[]>
