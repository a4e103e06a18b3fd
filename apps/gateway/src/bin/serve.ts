import { setTimeout as sleep } from 'node:timers/promises'
import type { ServerConfig } from '../config/config.js'
import type { ServerSecrets } from '../config/secrets.js'
import { buildGateway } from '../app.js'

/** After a clean close nothing should hold the process; if something does, it is logged and ended. */
const EXIT_GRACE_MS = 5_000

/** Starts the gateway and owns its shutdown (SIGTERM/SIGINT). */
export async function serve(cfg: ServerConfig, secrets: ServerSecrets): Promise<void> {
  const { app, drain } = await buildGateway(cfg, secrets)

  let stopping = false
  let hurry: (() => void) | null = null

  /**
   * SIGTERM/SIGINT: readiness flips to 503 first (`drainMs` for load balancers to notice), then
   * the server stops accepting, requests in flight finish (at most `timeoutMs`), and every pool
   * closes (onClose hooks). A second signal skips the drain wait.
   */
  async function shutdown(signal: string) {
    if (stopping) {
      hurry?.()
      return
    }
    stopping = true
    drain()
    app.log.info(
      { signal, drainMs: cfg.shutdown.drainMs },
      'shutting down: readiness is 503, draining',
    )
    if (cfg.shutdown.drainMs > 0) {
      const ac = new AbortController()
      hurry = () => ac.abort()
      await sleep(cfg.shutdown.drainMs, undefined, { signal: ac.signal }).catch(() => {})
    }
    const force = setTimeout(() => {
      app.log.warn(
        { timeoutMs: cfg.shutdown.timeoutMs },
        'requests still in flight at the shutdown deadline: closing their connections',
      )
      process.exitCode = 1
      app.server.closeAllConnections()
    }, cfg.shutdown.timeoutMs)
    force.unref()
    try {
      await app.close()
      app.log.info('closed: no request in flight, pools closed')
    } catch (err) {
      app.log.error({ err }, 'error during shutdown')
      process.exitCode = 1
    }
    clearTimeout(force)
    setTimeout(() => {
      app.log.warn('the process did not exit after closing: something still holds the event loop')
      process.exit()
    }, EXIT_GRACE_MS).unref()
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))

  await app.listen({ port: cfg.service.port, host: cfg.service.host })
  app.log.info({ url: cfg.service.publicUrl, did: cfg.service.did }, 'entryway listening')
}
