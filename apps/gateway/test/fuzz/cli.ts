import { parseArgs } from 'node:util'
import { testDatabaseTargets } from '@entryway/db'
import { startFuzzTarget } from './fuzz-target.js'
import { formatStats, runFuzz } from './fuzz-run.js'

// ./dev fuzz [--minutes N] [--seed S] [--db pglite|postgres] [--survey]: the route fuzz for longer than the
// test suite runs it; --survey lists one example of every kind of failure instead of stopping
// at the first (and shrinking it). Postgres is used when TEST_DATABASE_URL is set (or --db postgres).

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string' },
    db: { type: 'string' },
    survey: { type: 'boolean', default: false },
  },
})
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31)
const targets = testDatabaseTargets(process.env.TEST_DATABASE_URL)
const wanted = values.db ?? (process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite')
const dbTarget = targets.find((t) => t.name === wanted)
if (!dbTarget) throw new Error(`no database target ${wanted} (set TEST_DATABASE_URL for postgres)`)

const database = await dbTarget.open()
const target = await startFuzzTarget(database)
const started = Date.now()
process.stdout.write(
  `fuzzing ${target.routes.length} routes on ${dbTarget.name} for ${values.minutes} min, seed ${seed}\n`,
)
const survey = values.survey ? new Map<string, string>() : undefined
const { stats, failure } = await runFuzz(target, {
  seed,
  numRuns: Number.MAX_SAFE_INTEGER,
  timeLimitMs: Number(values.minutes) * 60_000,
  ...(survey ? { survey } : {}),
})
await target.close()
await database.close()
process.stdout.write(`${formatStats(stats)}\n`)
process.stdout.write(
  `${stats.requests} requests in ${((Date.now() - started) / 1000).toFixed(0)} s, seed ${seed}\n`,
)
if (survey?.size) {
  process.stdout.write(
    `${survey.size} kinds of problem:\n${[...survey.entries()].map(([k, v]) => `- ${k}\n  ${v}`).join('\n')}\n`,
  )
  process.exitCode = 1
}
if (failure) {
  process.stdout.write(`${failure}\n`)
  process.exitCode = 1
} else {
  process.stdout.write('no failure\n')
}
