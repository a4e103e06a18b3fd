// One reference PDS per process, as @atproto/pds's own service entry runs it:
// readEnv → envToCfg / envToSecrets → PDS.create → start; SIGTERM/SIGINT → destroy.
// Run by the pinned Node from the installed runtime folder; configured only through PDS_* env.
import { PDS, envToCfg, envToSecrets, httpLogger, readEnv } from '@atproto/pds'

const env = readEnv()
const cfg = envToCfg(env)
const secrets = envToSecrets(env)
const pds = await PDS.create(cfg, secrets)
await pds.start()

// one plain line for the log file, whatever LOG_ENABLED says
process.stdout.write(
  JSON.stringify({
    msg: 'pds started',
    publicUrl: cfg.service.publicUrl,
    did: cfg.service.did,
    entryway: cfg.entryway ? { url: cfg.entryway.url, did: cfg.entryway.did } : null,
    handleDomains: cfg.identity.serviceHandleDomains,
    appView: cfg.bskyAppView ? cfg.bskyAppView.url : null,
    version: cfg.service.version,
    node: process.version,
  }) + '\n',
)

let stopping = false
const shutdown = async (signal) => {
  if (stopping) return
  stopping = true
  httpLogger.info({ signal }, 'pds is stopping')
  try {
    await pds.destroy()
  } catch (err) {
    httpLogger.error({ err }, 'pds failed to stop cleanly')
    process.exitCode = 1
  }
  process.exit()
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
