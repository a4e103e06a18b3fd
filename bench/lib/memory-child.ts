// One measurement in a fresh process (run with --expose-gc): `import <pkgDir> <module>` imports one
// module resolved from a workspace package's dependencies; `gateway` builds the whole gateway on
// MEMORY_DATABASE_URL and listens. Prints one JSON line of memory figures once it is idle.
import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

const root = join(import.meta.dirname, '../..')
const [mode, pkgDir, mod] = process.argv.slice(2)

const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 300))
    globalThis.gc?.()
  }
}

function figures(): Record<string, number> {
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external }
}

let stop: (() => Promise<void>) | null = null
if (mode === 'import' && mod) {
  if (mod.startsWith('.')) await import(pathToFileURL(join(root, mod)).href)
  else {
    const req = createRequire(join(realpathSync(join(root, pkgDir ?? '.')), 'package.json'))
    let target: string
    try {
      target = pathToFileURL(req.resolve(mod)).href
    } catch {
      target = mod
    }
    await import(target)
  }
} else if (mode === 'gateway') {
  const { buildGateway, envToCfg, envToSecrets, readEnv } =
    await import('../../apps/gateway/src/index.js')
  const env = readEnv({
    ENTRYWAY_PORT: '0',
    ENTRYWAY_PUBLIC_URL: 'http://localhost:2583',
    ENTRYWAY_DID: 'did:web:entryway.bench',
    ENTRYWAY_PLC_URL: 'http://127.0.0.1:9',
    ENTRYWAY_JWT_SIGNING_KEY_HEX: randomBytes(32).toString('hex'),
    ENTRYWAY_PLC_ROTATION_KEY_HEX: randomBytes(32).toString('hex'),
    ENTRYWAY_PDS_ADMIN_PASSWORD: 'bench',
    ENTRYWAY_LOG_LEVEL: 'warn',
    ENTRYWAY_HEALTH_INTERVAL_MS: '0',
    ENTRYWAY_RECONCILE_INTERVAL_MS: '0',
    DATABASE_URL: process.env.MEMORY_DATABASE_URL!,
  })
  const { app } = await buildGateway(envToCfg(env), envToSecrets(env))
  await app.listen({ port: 0, host: '127.0.0.1' })
  stop = () => app.close()
  await new Promise((r) => setTimeout(r, 2000))
}
await settle()
process.stdout.write(`${JSON.stringify(figures())}\n`)
await stop?.()
process.exit(0)
