import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { REPO_ROOT } from '@entryway/testkit'
import { ENV_TABLE } from '../src/index.js'
import { envMarkdownTable, ENV_TABLE_END, ENV_TABLE_START } from '../src/config/env-docs.js'
import { parseEnv } from '../src/config/env.js'
import { ProblemList } from '../src/config/problems.js'
import type { EnvVar } from '../src/config/env-table.js'
import { buildConfig } from '../src/config/config.js'

t.test("README's configuration table is the one generated from ENV_TABLE", async (t) => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(ENV_TABLE_START)
  const end = readme.indexOf(ENV_TABLE_END)
  t.ok(start >= 0 && end > start, 'README has the table markers')
  t.equal(
    readme.slice(start, end + ENV_TABLE_END.length),
    envMarkdownTable(),
    'regenerate it: envMarkdownTable() in apps/gateway/src/config/env-docs.ts',
  )
})

t.test('every variable is in --help', async (t) => {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'apps/gateway/src/bin/entryway.ts'), '--help'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  )
  t.equal(res.status, 0)
  for (const e of Object.values(ENV_TABLE) as EnvVar<unknown>[])
    t.match(res.stdout, new RegExp(`\\n  ${e.name}\\b`), e.name)
})

t.test("every entry's example is a good value (placeholders in <> aside)", async (t) => {
  for (const e of Object.values(ENV_TABLE) as EnvVar<unknown>[]) {
    if (e.example.includes('<')) continue
    t.doesNotThrow(() => e.type.parse(e.example), e.name)
  }
})

t.test(
  'a family entry parses every variable under its prefix into one record; each bad member is one problem',
  async (t) => {
    const problems = new ProblemList()
    const env = parseEnv(
      {
        ENTRYWAY_RATE_LIMIT_LOGIN_ACCOUNT: '10/5m',
        ENTRYWAY_RATE_LIMIT_LOGIN_IP: 'lots',
        ENTRYWAY_RATE_LIMIT_LOGIN_ACOUNT: '5/1m',
      },
      problems,
    )
    t.same(env.rateLimits, { LOGIN_ACCOUNT: '10/5m', LOGIN_IP: 'lots', LOGIN_ACOUNT: '5/1m' })
    const cfg = buildConfig(env, problems)
    t.same(
      cfg.rateLimits.LOGIN_ACCOUNT,
      { points: 10, durationMs: 300_000 },
      'a good member is used',
    )
    t.same(
      cfg.rateLimits.LOGIN_IP,
      { points: 300, durationMs: 300_000 },
      'a bad member leaves the default',
    )
    t.match(problems.items, [
      { name: 'ENTRYWAY_RATE_LIMIT_LOGIN_IP', message: /must be <points>\/<duration>/ },
      { name: 'ENTRYWAY_RATE_LIMIT_LOGIN_ACOUNT', message: /is not a rate limit/ },
    ])
    t.match(envMarkdownTable(), /\| `ENTRYWAY_RATE_LIMIT_<NAME>` \|/)
  },
)
