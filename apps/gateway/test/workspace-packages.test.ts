import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@entryway/testkit'

// The workspace's packages as a consumer meets them: no cycles, a proxy that does not drag in
// sessions (nodemailer, express, ws), and manifests that point at built JavaScript.
type Manifest = {
  name: string
  private?: boolean
  license?: string
  repository?: { directory?: string }
  keywords?: string[]
  engines?: { node?: string }
  exports?: Record<string, Record<string, string>>
  scripts?: Record<string, string>
  bin?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

const dirs = ['packages', 'apps'].flatMap((d) =>
  readdirSync(join(REPO_ROOT, d)).map((n) => join(REPO_ROOT, d, n)),
)
const manifests = new Map<string, { dir: string; pkg: Manifest }>()
for (const dir of dirs) {
  if (!existsSync(join(dir, 'package.json'))) continue
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
  manifests.set(pkg.name, { dir, pkg })
}
const workspaceDeps = (pkg: Manifest, withDev: boolean) =>
  Object.keys({ ...pkg.dependencies, ...(withDev ? pkg.devDependencies : {}) }).filter((n) =>
    manifests.has(n),
  )

t.test('no cycle between workspace packages (dev dependencies included)', async (t) => {
  const cycles: string[] = []
  const visit = (name: string, path: string[]) => {
    if (path.includes(name))
      return void cycles.push([...path.slice(path.indexOf(name)), name].join(' → '))
    for (const dep of workspaceDeps(manifests.get(name)!.pkg, true)) visit(dep, [...path, name])
  }
  for (const name of manifests.keys()) visit(name, [])
  t.same([...new Set(cycles)], [])
})

t.test('a proxy-only install brings no sessions, mail, express or ws', async (t) => {
  const closure = new Set<string>()
  const walk = (name: string) => {
    if (closure.has(name)) return
    closure.add(name)
    for (const dep of workspaceDeps(manifests.get(name)!.pkg, false)) walk(dep)
  }
  walk('@entryway/proxy')
  t.same(
    [...closure].sort(),
    ['@entryway/proxy', '@entryway/xrpc'],
    'workspace packages a proxy install pulls',
  )
  const external = [...closure].flatMap((n) =>
    Object.keys(manifests.get(n)!.pkg.dependencies ?? {}),
  )
  for (const heavy of ['nodemailer', '@atproto/xrpc-server', 'express', 'ws'])
    t.notOk(external.includes(heavy), `no ${heavy}`)
})

t.test(
  'every package is a real package: built exports, source condition, license, metadata',
  async (t) => {
    for (const [name, { dir, pkg }] of manifests) {
      if (pkg.private) continue
      t.ok(existsSync(join(dir, 'LICENSE')), `${name}: LICENSE`)
      t.ok(existsSync(join(dir, 'README.md')) || dir.includes('/apps/'), `${name}: README`)
      t.equal(pkg.license, 'MIT', `${name}: license`)
      t.ok(pkg.repository?.directory && pkg.keywords?.length, `${name}: repository and keywords`)
      t.equal(pkg.engines?.node, '>=22.12', `${name}: engines`)
      t.match(pkg.scripts?.prepack ?? '', /tsc -b/, `${name}: prepack builds`)
      for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
        t.match(
          target,
          {
            '@entryway/source': /^\.\/src\/.*\.ts$/,
            types: /^\.\/dist\/.*\.d\.ts$/,
            default: /^\.\/dist\/.*\.js$/,
          },
          `${name} ${sub}: dist, with the source behind its condition`,
        )
        t.same(
          Object.keys(target)[0],
          '@entryway/source',
          `${name} ${sub}: the source condition comes first`,
        )
      }
      for (const [bin, file] of Object.entries(pkg.bin ?? {}))
        t.match(file, /^\.\/dist\/.*\.js$/, `${name}: bin ${bin} is JavaScript`)
      const isPlugin =
        readFileSync(join(dir, 'src', 'index.ts'), 'utf8').includes('fastify-plugin') ||
        Object.hasOwn(pkg.dependencies ?? {}, 'fastify-plugin')
      if (isPlugin)
        t.equal(
          pkg.peerDependencies?.fastify,
          '^5.0.0',
          `${name}: a Fastify plugin peers on fastify 5`,
        )
    }
  },
)
