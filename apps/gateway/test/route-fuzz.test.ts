import t from 'tap'
import { testDatabaseTargets } from '@entryway/db'
import { startFuzzTarget } from './fuzz/fuzz-target.js'
import { formatStats, runFuzz } from './fuzz/fuzz-run.js'

// Every route the gateway registers, fuzzed from its lexicon (fuzz/): never a 5xx, a hang or a
// crash; errors in XRPC (or OAuth) shape; a refused request writes nothing; no error-level log.
// A fixed seed and budget here; `./dev fuzz --minutes N --seed S` runs it longer.

const SEED = 20_261_203
/**
 * Requests per database target: a fixed count, so the seed replays the same inputs on any box
 * (about 15 s per target on an idle 2-core machine; the file stays under two minutes).
 */
const RUNS = 600
/** Only a guard against a box so loaded that the run would never end; not reached normally. */
const TIME_LIMIT_MS = 90_000

for (const target of testDatabaseTargets(process.env.TEST_DATABASE_URL)) {
  t.test(`${target.name}: no input makes a 5xx on any route`, async (t) => {
    const database = await target.open()
    const fuzz = await startFuzzTarget(database)
    t.teardown(async () => {
      await fuzz.close()
      await database.close()
    })
    const urls = new Set(fuzz.routes.map((r) => r.url))
    // the collector saw the routes of every plugin (a new route is fuzzed without a new case)
    for (const url of [
      '/xrpc/com.atproto.server.createSession',
      '/xrpc/com.atproto.server.createAccount',
      '/xrpc/*',
      '/oauth/*',
      '/admin/action/:nsid',
      '/xrpc/com.entryway.admin.addHost',
    ]) {
      t.ok(urls.has(url), `route ${url} is collected`)
    }
    const { stats, failure } = await runFuzz(fuzz, {
      seed: SEED,
      numRuns: RUNS,
      timeLimitMs: TIME_LIMIT_MS,
    })
    t.comment(`${stats.requests} requests over ${stats.byRoute.size} routes\n${formatStats(stats)}`)
    t.equal(failure, null, failure ?? 'no failure')
  })
}
