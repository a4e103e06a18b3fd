import { fileURLToPath } from 'node:url'
import { startFleet, type Fleet } from '@entryway/testkit'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'

// Shared by the admin portal's Chromium tests (admin-e2e-fleet, admin-pages-e2e): where their
// screenshots go, and a real fleet with the gateway in-process (so a test can reach its database).

/** `E2E_SCREENSHOTS=1` refreshes the committed screenshots; otherwise the ignored `.screenshots/`. */
export const ADMIN_SHOTS = fileURLToPath(
  new URL(
    process.env.E2E_SCREENSHOTS === '1' ? './screenshots/admin/' : './.screenshots/admin/',
    import.meta.url,
  ),
)

interface Teardown {
  teardown(fn: () => unknown): void
}

/** PLC, `pdsCount` PDSes, and the gateway built in this process and listening on the fleet's port. */
export async function startPortalFleet(
  t: Teardown,
  opts: { pdsCount: number; gatewayEnv: Record<string, string> },
) {
  const fleet: Fleet = await startFleet({
    pdsCount: opts.pdsCount,
    gateway: false,
    mail: false,
    gatewayEnv: opts.gatewayEnv,
  })
  t.teardown(() => fleet.stop())
  const env = readEnv(fleet.gatewayEnv)
  const cfg = envToCfg(env)
  const gw = await buildGateway(cfg, envToSecrets(env), { logger: process.env.E2E_LOG === '1' })
  t.teardown(() => gw.app.close())
  await gw.app.listen({ port: fleet.entryway.port, host: cfg.service.host })
  return {
    fleet,
    gw,
    db: gw.database.db,
    /** The Entryway's public URL. */
    E: fleet.entryway.url,
    /** The portal, reached on the address the browser uses. */
    PORTAL: `http://127.0.0.1:${fleet.entryway.port}`,
  }
}
