import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AtpAgent } from '@atproto/api'
import { openDatabase } from '@entryway/db'
import { REPO_ROOT, spawnService, startFleet } from '@entryway/testkit'

// The "done when": every package packed the way a release packs it (prepack builds, pnpm
// rewrites workspace: ranges), the tarballs installed with npm into an empty project beside fastify
// and pg from the registry, and examples/embedded-server run from there with plain node (no tsx, no
// workspace links): placement, session, proxy and admin-rbac on the packaged Postgres stores, on a
// fresh Postgres database, doing sign-up → login → a proxied write and read against real PDSes.
t.setTimeout(900_000)

const PNPM = join(REPO_ROOT, '.cache', 'pnpm', 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')
// npm's cache lives with the other caches, so a rerun installs offline in seconds
const NPM_CACHE = join(REPO_ROOT, '.cache', 'npm-packed-install')
const EXAMPLE = join(REPO_ROOT, 'examples', 'embedded-server')
// a test helper and dev tool (it runs PDS processes), not something an embedder installs
const NOT_INSTALLED = new Set(['@entryway/testkit'])
const postgresUrl = process.env.TEST_DATABASE_URL

function run(
  t: Test,
  what: string,
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0)
    t.fail(`${what} failed (${r.status}): ${r.stdout.slice(-2000)}${r.stderr.slice(-4000)}`)
  return r.stdout
}

/**
 * npm install into the empty project. A registry hiccup is retried, twice: npm 11 reports a root
 * dependency it failed to fetch as a peer conflict ("ERESOLVE … Found: fastify@undefined",
 * npm/cli#9979); a real conflict fails all three tries.
 */
function npmInstall(t: Test, project: string): void {
  const args = ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline']
  let last = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    rmSync(join(project, 'node_modules'), { recursive: true, force: true })
    rmSync(join(project, 'package-lock.json'), { force: true })
    const r = spawnSync('npm', [...args, '--cache', NPM_CACHE], {
      cwd: project,
      env: plainEnv(),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    if (r.status === 0) return
    last = `${r.stdout.slice(-2000)}${r.stderr.slice(-4000)}`
    t.comment(`npm install, try ${attempt} of 3, failed (${r.status}): ${last.slice(0, 400)}`)
  }
  t.fail(`npm install failed three times: ${last}`)
}

/**
 * A child environment without the test runner's loaders (NODE_OPTIONS would bring tsx), but with
 * the machine's trust and proxy settings: the pinned Node's npm reads no global npmrc, so behind a
 * TLS-intercepting proxy it fetches only with NODE_EXTRA_CA_CERTS (without it every registry fetch
 * fails with SELF_SIGNED_CERT_IN_CHAIN, which npm 11 reports as "ERESOLVE … fastify@undefined").
 */
const PASSED_THROUGH =
  /^(PATH|HOME|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|npm_config_(cafile|registry)|(https?|no)_proxy|(HTTPS?|NO)_PROXY)$/
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt' // Debian's, which the system npmrc names
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (PASSED_THROUGH.test(k)) env[k] = v
  if (!env.NODE_EXTRA_CA_CERTS && !env.npm_config_cafile && existsSync(SYSTEM_CA_BUNDLE))
    env.NODE_EXTRA_CA_CERTS = SYSTEM_CA_BUNDLE
  return { ...env, ...extra }
}

t.test(
  'the packed packages, installed from tarballs, run examples/embedded-server under plain node',
  { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' },
  async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'entryway-packed-'))
    t.teardown(() => rmSync(work, { recursive: true, force: true }))
    const tarballs = join(work, 'tarballs')
    const project = join(work, 'project')
    mkdirSync(tarballs)
    mkdirSync(project)

    // 1. pack every package as a release would
    const packages = readdirSync(join(REPO_ROOT, 'packages'))
    const packed = new Map<string, string>()
    for (const dir of packages) {
      const manifest = JSON.parse(
        readFileSync(join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8'),
      ) as { name: string; private?: boolean }
      if (manifest.private) continue
      const out = run(
        t,
        `pnpm pack ${manifest.name}`,
        process.execPath,
        [PNPM, 'pack', '--pack-destination', tarballs],
        join(REPO_ROOT, 'packages', dir),
      )
      const file = out.trim().split('\n').pop()!.trim()
      t.match(file, /\.tgz$/, `${manifest.name} packed`)
      packed.set(manifest.name, file)
    }
    for (const [name, file] of packed) {
      const listing = run(t, `tar ${name}`, 'tar', ['-tzf', file], work)
      t.match(listing, /package\/dist\/index\.js/, `${name}'s tarball ships built JavaScript`)
      t.match(listing, /package\/LICENSE/, `${name}'s tarball ships its LICENSE`)
      const manifest = run(t, `tar ${name}`, 'tar', ['-xzOf', file, 'package/package.json'], work)
      t.notMatch(manifest, /workspace:/, `${name}'s packed manifest has no workspace: range`)
    }

    // 2. the example, compiled to JavaScript, in an empty project
    run(
      t,
      'tsc (example)',
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        EXAMPLE,
        '--outDir',
        join(project, 'dist'),
      ],
      REPO_ROOT,
    )
    const example = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    const dependencies: Record<string, string> = {}
    for (const [name, range] of Object.entries(example.dependencies)) {
      if (!range.startsWith('workspace:')) dependencies[name] = range // fastify, pg, … from the registry
    }
    for (const [name, file] of packed)
      if (!NOT_INSTALLED.has(name)) dependencies[name] = `file:${file}`
    t.ok(dependencies.fastify && dependencies.pg, 'fastify and pg come from the registry')
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify(
        { name: 'embedded-entryway', private: true, type: 'module', dependencies },
        null,
        2,
      ),
    )
    npmInstall(t, project)
    t.notOk(
      readdirSync(join(project, 'node_modules', '@entryway')).some((n) => n === 'testkit'),
      'the test kit is not installed',
    )

    // every entry point of every installed package loads under plain node
    const entries = [...packed.keys()]
      .filter((n) => !NOT_INSTALLED.has(n))
      .flatMap((n) => {
        const exp = JSON.parse(
          readFileSync(join(project, 'node_modules', n, 'package.json'), 'utf8'),
        ).exports as Record<string, unknown>
        return Object.keys(exp).map((sub) => (sub === '.' ? n : `${n}/${sub.slice(2)}`))
      })
    const loaded = run(
      t,
      'import every entry',
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `for (const e of ${JSON.stringify(entries)}) await import(e); process.stdout.write('ok')`,
      ],
      project,
      plainEnv(),
    )
    t.equal(loaded, 'ok', `plain node imports ${entries.join(', ')}`)

    // 3. a fresh Postgres database
    const admin = await openDatabase({ url: postgresUrl! })
    const dbName = `packed_${randomBytes(5).toString('hex')}`
    await admin.pool!.query(`create database ${dbName}`)
    t.teardown(async () => {
      await admin.pool!.query(`drop database if exists ${dbName} with (force)`)
      await admin.close()
    })
    const url = new URL(postgresUrl!)
    url.pathname = `/${dbName}`

    // 4. real PLC and PDSes; the example is the Entryway they were told about
    const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: false })
    t.teardown(() => fleet.stop())
    const server = await spawnService({
      name: 'embedded example',
      command: process.execPath,
      args: ['dist/main.js'],
      cwd: project,
      env: plainEnv({ ...fleet.gatewayEnv, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' }),
      logFile: join(work, 'example.log'),
      healthUrl: `${fleet.entryway.url}/hello`,
    })
    t.teardown(() => server.stop())
    const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8')
    t.notMatch(cmdline, /tsx|conditions/, `plain node: ${cmdline.replace(/\0/g, ' ')}`)

    const agent = new AtpAgent({ service: fleet.entryway.url })
    const handle = `packed${Date.now().toString(36)}${fleet.handleDomains[0]}`
    const password = `pw-${randomBytes(6).toString('hex')}`
    await agent.createAccount({
      handle,
      email: `${handle.replace(/\./g, '-')}@mail.test`,
      password,
    })
    const did = agent.session!.did
    t.match(did, /^did:plc:/, 'signed up through the packaged placement plugin')

    const again = new AtpAgent({ service: fleet.entryway.url })
    await again.login({ identifier: handle, password })
    t.equal(again.session?.did, did, 'logged in through the packaged session plugin')

    const created = await again.com.atproto.repo.createRecord({
      repo: did,
      collection: 'app.bsky.feed.post',
      record: {
        $type: 'app.bsky.feed.post',
        text: 'from the packed tarballs',
        createdAt: new Date().toISOString(),
      },
    })
    const rkey = created.data.uri.split('/').pop()!
    const read = await again.com.atproto.repo.getRecord({
      repo: did,
      collection: 'app.bsky.feed.post',
      rkey,
    })
    t.match(
      read.data.value,
      { text: 'from the packed tarballs' },
      'a proxied write, read back through the packaged proxy plugin',
    )

    const portal = await fetch(`${fleet.entryway.url}/admin/login`)
    t.equal(portal.status, 200, 'the packaged admin-rbac plugin serves its sign-in page')
    const fresh = await openDatabase({ url: url.toString() })
    t.teardown(() => fresh.close())
    const account = await fresh.db
      .selectFrom('account')
      .select('did')
      .where('did', '=', did)
      .executeTakeFirst()
    t.equal(
      account?.did,
      did,
      'the account is in the fresh Postgres database, written by the packaged stores',
    )
  },
)
