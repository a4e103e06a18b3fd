import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { ENV_NAMES } from '@entryway/gateway'
import { PINNED_NODE_VERSION, REPO_ROOT, ensurePdsRuntime, pdsEnv } from '@entryway/testkit'
import { COMPOSE_ENV_NAMES } from '../src/index.js'

interface Service {
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> }
  image?: string
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  healthcheck?: { test: string[] }
  depends_on?: Record<string, { condition: string }>
}
const composeText = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> }
const services = compose.services
const envNames = (s: Service) => Object.keys(s.environment ?? {})

/** Names a source file reads as `process.env.NAME` or through atproto's `envStr('NAME')` helpers. */
function namesReadBy(file: string): Set<string> {
  const src = readFileSync(file, 'utf8')
  const names = new Set<string>()
  for (const m of src.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) names.add(m[1]!)
  for (const m of src.matchAll(/env(?:Str|Int|Bool|List)\('([A-Z][A-Z0-9_]*)'\)/g)) names.add(m[1]!)
  return names
}

const runtimeFile = (runtimeDir: string, ...p: string[]) => join(runtimeDir, ...p)

t.test('the topology: postgres, redis, plc, two PDSes, gateway, mail sink', async (t) => {
  t.same(Object.keys(services).sort(), [
    'gateway',
    'mail',
    'pds1',
    'pds2',
    'plc',
    'postgres',
    'redis',
  ])
  t.equal(
    services.gateway!.environment!.ENTRYWAY_REDIS_URL,
    'redis://redis:6379',
    'the gateway keeps its rate-limit counters in Redis',
  )
})

t.test('only the ports a user needs are published: Entryway, PDSes, PLC, mail web', async (t) => {
  const published = Object.entries(services).flatMap(([name, s]) =>
    (s.ports ?? []).map((p) => `${name} ${p.split(':')[1]}`),
  )
  t.same(published.sort(), ['gateway 2583', 'mail 8025', 'pds1 2600', 'pds2 2601', 'plc 2582'])
})

t.test(
  'start order: each service waits for the health of what it needs; init reaps and forwards signals',
  async (t) => {
    const needs: Record<string, string[]> = {
      plc: ['postgres'],
      pds1: ['plc'],
      pds2: ['plc'],
      gateway: ['mail', 'pds1', 'pds2', 'plc', 'postgres', 'redis'],
    }
    for (const [name, s] of Object.entries(services)) {
      t.same(Object.keys(s.depends_on ?? {}).sort(), needs[name] ?? [], `${name} depends on`)
      for (const d of Object.values(s.depends_on ?? {})) t.equal(d.condition, 'service_healthy')
      t.equal((s as { init?: boolean }).init, true, `${name}: init`)
    }
  },
)

t.test('every published port is bound to 127.0.0.1', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    for (const p of s.ports ?? []) t.match(p, /^127\.0\.0\.1:\d+:\d+$/, `${name} ${p}`)
  }
})

t.test(
  'every service has a healthcheck: pg_isready for postgres, /xrpc/_health for PDSes and the gateway',
  async (t) => {
    for (const [name, s] of Object.entries(services))
      t.ok(s.healthcheck?.test?.length, `${name} has a healthcheck`)
    t.match(services.postgres!.healthcheck!.test.join(' '), /pg_isready/)
    for (const name of ['pds1', 'pds2', 'gateway']) {
      t.match(services[name]!.healthcheck!.test.join(' '), /\/xrpc\/_health/, name)
    }
  },
)

t.test(
  'images are built from docker/, on a base chosen by build argument, tagged with their version',
  async (t) => {
    const version = (file: string) =>
      JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')).version as string
    const runtime = JSON.parse(
      readFileSync(join(REPO_ROOT, 'packages', 'testkit', 'pds-runtime', 'package.json'), 'utf8'),
    ).dependencies
    const expected: Record<string, [string, string, string | undefined]> = {
      gateway: [
        `entryway/gateway:${version('apps/gateway/package.json')}`,
        'docker/gateway.Dockerfile',
        'gateway',
      ],
      mail: [
        `entryway/lab-mail:${version('apps/gateway/package.json')}`,
        'docker/gateway.Dockerfile',
        'mail',
      ],
      pds1: [`entryway/pds:${runtime['@atproto/pds']}`, 'docker/pds-runtime.Dockerfile', 'pds'],
      pds2: [`entryway/pds:${runtime['@atproto/pds']}`, 'docker/pds-runtime.Dockerfile', 'pds'],
      plc: [`entryway/plc:${runtime['@did-plc/server']}`, 'docker/pds-runtime.Dockerfile', 'plc'],
      postgres: ['entryway/postgres:15-bookworm', 'docker/postgres.Dockerfile', undefined],
      redis: ['entryway/redis:7-bookworm', 'docker/redis.Dockerfile', undefined],
    }
    for (const [name, s] of Object.entries(services)) {
      const [image, dockerfile, target] = expected[name]!
      t.equal(s.image, image, `${name} image tag`)
      t.notMatch(s.image!, /:dev$/, `${name} is not tagged :dev`)
      t.match(s.build, { context: '.', dockerfile }, `${name} builds ${dockerfile}`)
      t.equal(s.build!.target, target, `${name} target`)
      t.ok(existsSync(join(REPO_ROOT, dockerfile)), `${dockerfile} exists`)
      const dockerfileText = readFileSync(join(REPO_ROOT, dockerfile), 'utf8')
      if (target)
        t.match(
          dockerfileText,
          new RegExp(`^FROM \\$\\{NODE_IMAGE\\} AS ${target}$`, 'm'),
          `${dockerfile} has the stage ${target}`,
        )
      const arg = dockerfileText.includes('ARG NODE_IMAGE') ? 'NODE_IMAGE' : 'DEBIAN_IMAGE'
      t.ok(s.build!.args?.[arg], `${name} passes the base image as ${arg}`)
    }
    for (const f of ['gateway.Dockerfile', 'pds-runtime.Dockerfile']) {
      t.match(
        readFileSync(join(REPO_ROOT, 'docker', f), 'utf8'),
        new RegExp(
          `^ARG NODE_IMAGE=node:${PINNED_NODE_VERSION.replace(/\./g, '\\.')}-bookworm-slim$`,
          'm',
        ),
        `${f}: the official image of the pinned Node by default`,
      )
    }
    const pdsDockerfile = readFileSync(join(REPO_ROOT, 'docker', 'pds-runtime.Dockerfile'), 'utf8')
    t.match(
      pdsDockerfile,
      /pds-runtime\/package-lock\.json/,
      'installs from the same lockfile as the lab',
    )
    t.match(pdsDockerfile, /npm ci/)
    const lock = JSON.parse(
      readFileSync(
        join(REPO_ROOT, 'packages', 'testkit', 'pds-runtime', 'package-lock.json'),
        'utf8',
      ),
    )
    t.equal(lock.packages['node_modules/@atproto/pds'].version, runtime['@atproto/pds'])
  },
)

t.test(
  'the gateway image: built JavaScript started by node, prod dependencies only, non-root, HEALTHCHECK',
  async (t) => {
    const text = readFileSync(join(REPO_ROOT, 'docker', 'gateway.Dockerfile'), 'utf8')
    const final = text.slice(text.lastIndexOf('\nFROM '))
    t.match(final, /AS gateway\n/, 'the gateway is the last stage (the default target)')
    t.match(
      final,
      /^CMD \["node", "dist\/bundle\/gateway\.mjs"\]$/m,
      'plain node runs the bundle (apps/gateway/scripts/bundle.mjs)',
    )
    t.match(text, /node apps\/gateway\/scripts\/bundle\.mjs/, 'the build stage bundles it')
    t.match(final, /^USER node$/m)
    t.match(final, /^HEALTHCHECK .*\n.*\/xrpc\/_health/m)
    t.notMatch(text, /tsx/, 'no tsx')
    t.match(text, /deploy --prod/, 'pnpm deploy --prod')
  },
)

t.test("the gateway's env names are all ones it reads (ENV_NAMES)", async (t) => {
  const known = new Set<string>(ENV_NAMES)
  for (const n of envNames(services.gateway!)) t.ok(known.has(n), `${n} is read by the gateway`)
})

t.test('PDS env names are all ones @atproto/pds (or its runner) reads', async (t) => {
  const runtime = await ensurePdsRuntime()
  const known = new Set([
    ...namesReadBy(
      runtimeFile(runtime.dir, 'node_modules', '@atproto', 'pds', 'dist', 'config', 'env.js'),
    ),
    ...namesReadBy(
      runtimeFile(runtime.dir, 'node_modules', '@atproto', 'common', 'dist', 'logger.js'),
    ),
    ...namesReadBy(runtimeFile(runtime.dir, 'loopback-forward.mjs')),
  ])
  t.ok(known.has('PDS_ENTRYWAY_URL'), 'the list was read from the installed PDS')
  for (const name of ['pds1', 'pds2']) {
    for (const n of envNames(services[name]!)) t.ok(known.has(n), `${name}: ${n} is read`)
  }
  // the lab's PDSes too
  const labEnv = pdsEnv({
    plcUrl: 'http://localhost:1',
    entryway: {
      url: 'http://localhost:2',
      did: 'did:web:x',
      jwtPublicKeyHex: '02',
      plcRotationKeyDid: 'did:key:z',
    },
    adminPassword: 'x',
    handleDomains: ['.test'],
    port: 3,
    dataDir: '/tmp/x',
    jwtSecret: 'x',
    plcRotationKeyHex: 'x',
    env: { PDS_BSKY_APP_VIEW_URL: 'http://localhost:2', PDS_BSKY_APP_VIEW_DID: 'did:web:x' },
  })
  for (const n of Object.keys(labEnv)) t.ok(known.has(n), `lab PDS: ${n} is read`)
})

t.test('PLC has its own database, made by the postgres init script', async (t) => {
  const init = services.postgres!.volumes!.find((v) => v.includes('docker-entrypoint-initdb.d'))!
  const file = init.split(':')[0]!
  t.match(readFileSync(join(REPO_ROOT, file), 'utf8'), /CREATE DATABASE plc;/)
  t.match(services.plc!.environment!.PLC_DB_POSTGRES_URL, /@postgres:5432\/plc$/)
  t.match(services.gateway!.environment!.DATABASE_URL, /@postgres:5432\/entryway$/)
})

t.test('PLC and mail sink env names are ones their runners read', async (t) => {
  const plc = namesReadBy(join(REPO_ROOT, 'packages', 'testkit', 'pds-runtime', 'plc.mjs'))
  for (const n of envNames(services.plc!)) t.ok(plc.has(n), `plc: ${n}`)
  const mail = namesReadBy(join(REPO_ROOT, 'packages', 'testkit', 'src', 'bin', 'mail-sink.ts'))
  for (const n of envNames(services.mail!)) t.ok(mail.has(n), `mail: ${n}`)
})

t.test(
  'each PDS is in entryway mode with a URL it accepts, its own DID and port, and is in the fleet',
  async (t) => {
    const gw = services.gateway!.environment!
    const fleet = JSON.parse(gw.ENTRYWAY_FLEET_HOSTS!) as {
      url: string
      did: string
      internalUrl?: string
    }[]
    const dids = new Set<string>()
    for (const name of ['pds1', 'pds2']) {
      const env = services[name]!.environment!
      // contract §1.3: https, or http on loopback, origin only; a service name crashes the PDS
      t.match(
        env.PDS_ENTRYWAY_URL,
        /^(https:\/\/[^/]+|http:\/\/(localhost|127\.0\.0\.1|\[::1\]):\d+)$/,
        `${name} entryway URL`,
      )
      t.equal(env.PDS_ENTRYWAY_URL, gw.ENTRYWAY_PUBLIC_URL)
      t.equal(env.PDS_ENTRYWAY_DID, gw.ENTRYWAY_DID)
      t.equal(env.PDS_SERVICE_HANDLE_DOMAINS, gw.ENTRYWAY_HANDLE_DOMAINS)
      t.equal(env.PDS_HOSTNAME, 'localhost')
      const url = `http://localhost:${env.PDS_PORT}`
      t.same(
        services[name]!.ports,
        [`127.0.0.1:${env.PDS_PORT}:${env.PDS_PORT}`],
        `${name} is published on its own port`,
      )
      t.match(
        fleet.find((h) => h.did === env.PDS_SERVICE_DID),
        { url, internalUrl: `http://${name}:${env.PDS_PORT}` },
      )
      // the entryway's loopback URL reaches the gateway from inside the container
      const port = new URL(env.PDS_ENTRYWAY_URL!).port
      t.equal(env.LOOPBACK_FORWARD, `${port}=gateway:${gw.ENTRYWAY_PORT}`)
      dids.add(env.PDS_SERVICE_DID!)
    }
    t.equal(dids.size, 2, 'distinct service DIDs')
    t.equal(fleet.length, 2)
  },
)

t.test(
  'secrets come from .env, and ./dev lab --compose-env writes every one of them',
  async (t) => {
    const required = new Set(
      [...composeText.matchAll(/\$\{([A-Z0-9_]+)(?::\?[^}]*)?\}/g)].map((m) => m[1]!),
    )
    t.same([...required].sort(), [...COMPOSE_ENV_NAMES].sort())
    // the only other interpolations: the base images, with defaults
    const optional = new Set(
      [...composeText.matchAll(/\$\{([A-Z0-9_]+):-[^}]*\}/g)].map((m) => m[1]!),
    )
    t.same([...optional].sort(), ['ENTRYWAY_DEBIAN_IMAGE', 'ENTRYWAY_NODE_IMAGE'])
  },
)
