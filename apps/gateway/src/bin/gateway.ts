#!/usr/bin/env node
import { readEnv } from '../config/env.js'
import { envToCfg } from '../config/config.js'
import { envToSecrets } from '../config/secrets.js'
import { buildGateway } from '../app.js'

const env = readEnv()
const cfg = envToCfg(env)
const secrets = envToSecrets(env)
const { app } = await buildGateway(cfg, secrets)

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  app.log.info({ signal }, 'shutting down: draining in-flight requests')
  try {
    await app.close()
  } catch (err) {
    app.log.error({ err }, 'error during shutdown')
    process.exitCode = 1
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))

await app.listen({ port: cfg.service.port, host: cfg.service.host })
app.log.info({ url: cfg.service.publicUrl, did: cfg.service.did }, 'entryway listening')
