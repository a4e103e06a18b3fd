import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname

// A machine without Redis, simulated without touching the machine's own services: a PATH that has
// every tool but redis-server and redis-cli (and no apt-get to install them, nor pg_ctlcluster to
// start the shared cluster), and ports where nothing listens.
function pathWithout(dir: string, drop: RegExp): string {
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  for (const d of ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin']) {
    if (!existsSync(d)) continue
    for (const name of readdirSync(d)) {
      if (drop.test(name) || existsSync(join(bin, name))) continue
      symlinkSync(join(d, name), join(bin, name))
    }
  }
  return bin
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function preflight(env: Record<string, string>) {
  return spawnSync('bash', [join(root, '.ci/preflight')], {
    cwd: root,
    encoding: 'utf8',
    env: { HOME: process.env.HOME ?? '/root', ...env },
  })
}

t.test(
  'with CI set, a machine missing Redis (and the rest) fails the preflight and says why',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const PATH = pathWithout(dir, /^(redis-|apt|pg_ctlcluster$)/)
    const redisPort = await closedPort()
    const pgPort = await closedPort()
    const env = {
      PATH,
      PREFLIGHT_REDIS_PORT: String(redisPort),
      PREFLIGHT_PG_PORT: String(pgPort),
      PREFLIGHT_PG_LIB: join(dir, 'no-postgresql'),
      PREFLIGHT_CHROMIUM: join(dir, 'no-chromium'),
    }

    const ci = preflight({ ...env, CI: 'true' })
    t.equal(ci.status, 1, 'CI stops here')
    t.match(ci.stderr, `missing: Redis does not answer at 127.0.0.1:${redisPort}`)
    t.match(ci.stderr, 'missing: no redis-server binary on PATH (redis-down)')
    t.match(ci.stderr, `missing: PostgreSQL does not answer at 127.0.0.1:${pgPort}`)
    t.match(ci.stderr, 'missing: no PostgreSQL server binaries (initdb, pg_ctl)')
    t.match(ci.stderr, 'missing: no Chromium at')
    t.match(ci.stderr, 'CI runs the whole suite or fails: 5 requirement(s) missing')
    t.equal(ci.stdout.trim().split('\n').at(-1), '0 passed, 1 failed, 0 skipped')

    const local = preflight(env)
    t.equal(local.status, 0, 'without CI the run goes on')
    t.match(local.stderr, 'missing: no redis-server binary on PATH (redis-down)')
    t.match(
      local.stderr,
      'not CI: the tests that need these are skipped, and the test summary lists them',
    )
  },
)

t.test('with CI set, a machine with everything passes the preflight', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // no apt-get: this machine must already have what .ci/run would install
  const ci = preflight({ PATH: pathWithout(dir, /^apt/), CI: 'true' })
  t.equal(ci.status, 0, ci.stderr)
  t.match(ci.stderr, 'tests use PostgreSQL at 127.0.0.1:5432')
  t.match(ci.stderr, 'tests use Redis at 127.0.0.1:6379')
  t.notMatch(ci.stderr, 'missing:')
})

t.test(
  'the compose lab: podman missing fails CI, unless ENTRYWAY_COMPOSE=off says so on purpose',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const PATH = pathWithout(dir, /^(apt|podman$|podman-compose$)/)
    const ci = preflight({ PATH, CI: 'true' })
    t.equal(ci.status, 1, 'CI stops here')
    t.match(
      ci.stderr,
      'missing: no podman on PATH (the compose lab, compose-e2e; ENTRYWAY_COMPOSE=off turns it off)',
    )
    t.match(ci.stderr, 'missing: no podman-compose on PATH')
    const off = preflight({ PATH, CI: 'true', ENTRYWAY_COMPOSE: 'off' })
    t.equal(off.status, 0, off.stderr)
    t.match(off.stderr, 'the compose lab is turned off (ENTRYWAY_COMPOSE=off)')
    t.notMatch(off.stderr, 'missing:')
  },
)
