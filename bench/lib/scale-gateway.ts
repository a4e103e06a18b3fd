// One Entryway for the scale bench: the real gateway (buildGateway, every plugin) with the env in
// SCALE_GATEWAY_ENV (JSON), plus two bench-only routes that run one health-check pass and one
// sign-up reconciler pass on demand. Prints {"port", "startupMs", "processMs"} when listening:
// startupMs is buildGateway (database, migrations, plugins) + listen, after the modules loaded.
import type { AddressInfo } from 'node:net'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../../apps/gateway/src/index.js'

const env = readEnv(JSON.parse(process.env.SCALE_GATEWAY_ENV ?? '{}') as Record<string, string>)
const t0 = performance.now()
// log lines go to stderr: stdout carries the ready line the bench waits for
const { app } = await buildGateway(envToCfg(env), envToSecrets(env), { logStream: process.stderr })
app.post('/_bench/health-pass', async () => {
  await app.entrywayPlacement.health.runOnce()
  return {}
})
app.post('/_bench/reconcile-pass', async () => app.entrywayPlacement.reconciler.runOnce())
await app.listen({ port: 0, host: '127.0.0.1' })
const startupMs = performance.now() - t0
const stop = () => void app.close().finally(() => (process.exitCode = 0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
console.log(
  JSON.stringify({
    port: (app.server.address() as AddressInfo).port,
    startupMs,
    processMs: process.uptime() * 1000,
  }),
)
