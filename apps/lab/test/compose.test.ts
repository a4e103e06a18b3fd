import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { ENV_NAMES } from '@entryway/gateway'
import { PINNED_NODE_VERSION, REPO_ROOT, ensurePdsRuntime, pdsEnv } from '@entryway/testkit'
import { COMPOSE_ENV_NAMES } from '../src/index.js'

interface Service {
  build?: { context: string; dockerfile: string }
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

t.test('the topology: postgres, plc, two PDSes, gateway, mail sink', async (t) => {
  t.same(Object.keys(services).sort(), ['gateway', 'mail', 'pds1', 'pds2', 'plc', 'postgres'])
})

t.test('every published port is bound to 127.0.0.1', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    for (const p of s.ports ?? []) t.match(p, /^127\.0\.0\.1:\d+:\d+$/, `${name} ${p}`)
  }
})

t.test('every service has a healthcheck: pg_isready for postgres, /xrpc/_health for PDSes and the gateway', async (t) => {
  for (const [name, s] of Object.entries(services)) t.ok(s.healthcheck?.test?.length, `${name} has a healthcheck`)
  t.match(services.postgres!.healthcheck!.test.join(' '), /pg_isready/)
  for (const name of ['pds1', 'pds2', 'gateway']) {
    t.match(services[name]!.healthcheck!.test.join(' '), /\/xrpc\/_health/, name)
  }
})

t.test('images are built from the repo: the pinned PDS runtime and the workspace', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    if (name === 'postgres') continue
    t.ok(s.build, `${name} builds its image`)
    t.ok(existsSync(join(REPO_ROOT, s.build!.context, s.build!.dockerfile)), `${name}: ${s.build!.dockerfile} exists`)
  }
  const pdsDockerfile = readFileSync(join(REPO_ROOT, 'docker', 'pds-runtime.Dockerfile'), 'utf8')
  t.match(pdsDockerfile, new RegExp(`ARG NODE_VERSION=${PINNED_NODE_VERSION.replace(/\./g, '\\.')}\\b`), 'pinned Node')
  t.match(pdsDockerfile, /pds-runtime\/package-lock\.json/, 'installs from the same lockfile as the lab')
  t.match(pdsDockerfile, /npm ci/)
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'testkit', 'pds-runtime', 'package-lock.json'), 'utf8'))
  t.equal(lock.packages['node_modules/@atproto/pds'].version, '0.5.35')
})

t.test("the gateway's env names are all ones it reads (ENV_NAMES)", async (t) => {
  const known = new Set<string>(ENV_NAMES)
  for (const n of envNames(services.gateway!)) t.ok(known.has(n), `${n} is read by the gateway`)
})

t.test('PDS env names are all ones @atproto/pds (or its runner) reads', async (t) => {
  const runtime = await ensurePdsRuntime()
  const known = new Set([
    ...namesReadBy(runtimeFile(runtime.dir, 'node_modules', '@atproto', 'pds', 'dist', 'config', 'env.js')),
    ...namesReadBy(runtimeFile(runtime.dir, 'node_modules', '@atproto', 'common', 'dist', 'logger.js')),
    ...namesReadBy(runtimeFile(runtime.dir, 'loopback-forward.mjs')),
  ])
  t.ok(known.has('PDS_ENTRYWAY_URL'), 'the list was read from the installed PDS')
  for (const name of ['pds1', 'pds2']) {
    for (const n of envNames(services[name]!)) t.ok(known.has(n), `${name}: ${n} is read`)
  }
  // the lab's PDSes too
  const labEnv = pdsEnv({
    plcUrl: 'http://localhost:1',
    entryway: { url: 'http://localhost:2', did: 'did:web:x', jwtPublicKeyHex: '02', plcRotationKeyDid: 'did:key:z' },
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

t.test('each PDS is in entryway mode with a URL it accepts, its own DID and port, and is in the fleet', async (t) => {
  const gw = services.gateway!.environment!
  const fleet = JSON.parse(gw.ENTRYWAY_FLEET_HOSTS!) as { url: string; did: string; internalUrl?: string }[]
  const dids = new Set<string>()
  for (const name of ['pds1', 'pds2']) {
    const env = services[name]!.environment!
    // contract §1.3: https, or http on loopback, origin only; a service name crashes the PDS
    t.match(env.PDS_ENTRYWAY_URL, /^(https:\/\/[^/]+|http:\/\/(localhost|127\.0\.0\.1|\[::1\]):\d+)$/, `${name} entryway URL`)
    t.equal(env.PDS_ENTRYWAY_URL, gw.ENTRYWAY_PUBLIC_URL)
    t.equal(env.PDS_ENTRYWAY_DID, gw.ENTRYWAY_DID)
    t.equal(env.PDS_SERVICE_HANDLE_DOMAINS, gw.ENTRYWAY_HANDLE_DOMAINS)
    t.equal(env.PDS_HOSTNAME, 'localhost')
    const url = `http://localhost:${env.PDS_PORT}`
    t.same(services[name]!.ports, [`127.0.0.1:${env.PDS_PORT}:${env.PDS_PORT}`], `${name} is published on its own port`)
    t.match(fleet.find((h) => h.did === env.PDS_SERVICE_DID), { url, internalUrl: `http://${name}:${env.PDS_PORT}` })
    // the entryway's loopback URL reaches the gateway from inside the container
    const port = new URL(env.PDS_ENTRYWAY_URL!).port
    t.equal(env.LOOPBACK_FORWARD, `${port}=gateway:${gw.ENTRYWAY_PORT}`)
    dids.add(env.PDS_SERVICE_DID!)
  }
  t.equal(dids.size, 2, 'distinct service DIDs')
  t.equal(fleet.length, 2)
})

t.test('secrets come from .env, and ./dev lab --compose-env writes every one of them', async (t) => {
  const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)(?::\?[^}]*)?\}/g)].map((m) => m[1]!))
  t.same([...used].sort(), [...COMPOSE_ENV_NAMES].sort())
})
