import { JwtKeyring } from '@entryway/session'
import type { ServerConfig } from '../config/config.js'
import type { ServerSecrets } from '../config/secrets.js'
import { check, type CheckResult } from './check.js'
import { hostChecks, type FleetHost } from './fleet-checks.js'
import { ProbeClient, type ProbeClientOptions } from './probe-client.js'
import { publicChecks } from './public-checks.js'
import { serviceChecks } from './service-checks.js'

export interface DoctorOptions extends ProbeClientOptions {
  /** The gateway as this machine reaches it (not through the proxy). @default http://127.0.0.1:<ENTRYWAY_PORT> */
  gatewayUrl?: string
  /** A handle whose domain is checked. @default the first account the gateway lists */
  handle?: string
}

/** `entryway doctor`: every check of a running deployment, in report order. */
export async function runDoctor(
  cfg: ServerConfig,
  secrets: ServerSecrets,
  opts: DoctorOptions = {},
): Promise<CheckResult[]> {
  const gatewayUrl = (
    opts.gatewayUrl ?? `http://${loopbackFor(cfg.service.host)}:${cfg.service.port}`
  ).replace(/\/+$/, '')
  const http = new ProbeClient(opts)
  const admin = {
    authorization: `Basic ${Buffer.from(`admin:${secrets.pdsAdminPassword}`).toString('base64')}`,
  }
  try {
    const results = await serviceChecks(cfg, http, gatewayUrl)
    const keyring = await JwtKeyring.fromHex(secrets.jwtSigningKeyHex, secrets.jwtPreviousKeys)
    let hosts: FleetHost[] = []
    results.push(
      await check(
        'fleet registry',
        'the gateway must answer com.entryway.admin.listHosts with ENTRYWAY_PDS_ADMIN_PASSWORD (same environment as the gateway)',
        async () => {
          const { status, body } = await http.json(
            `${gatewayUrl}/xrpc/com.entryway.admin.listHosts`,
            admin,
          )
          if (status !== 200) throw new Error(`listHosts answered ${status} ${body.error ?? ''}`)
          hosts = (body.hosts as FleetHost[]).filter((h) => h.status !== 'retired')
          if (!hosts.length)
            throw new Error('no host registered: add one with ./dev admin hosts add <url> <did>')
          return `${hosts.length} host(s): ${hosts.map((h) => `${h.url} (${h.status})`).join(', ')}`
        },
      ),
    )
    for (const host of hosts) results.push(...(await hostChecks(cfg, keyring, http, host)))
    const handle = await pickHandle(http, gatewayUrl, admin, opts.handle)
    results.push(...(await publicChecks(cfg, http, gatewayUrl, handle)))
    return results
  } finally {
    await http.close()
  }
}

/** The handle to check: the one asked for (resolved through the gateway), else the first account listed. */
async function pickHandle(
  http: ProbeClient,
  gatewayUrl: string,
  admin: Record<string, string>,
  handle: string | undefined,
): Promise<{ handle: string; did: string } | null> {
  try {
    if (handle) {
      const { body } = await http.json(
        `${gatewayUrl}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`,
      )
      return body.did ? { handle, did: body.did } : null
    }
    const { body } = await http.json(
      `${gatewayUrl}/xrpc/com.entryway.admin.listAccounts?limit=1`,
      admin,
    )
    const first = body.accounts?.[0]
    return first?.handle ? { handle: first.handle, did: first.did } : null
  } catch {
    return null
  }
}

const loopbackFor = (host: string) =>
  host === '0.0.0.0' || host === '::' || host === ''
    ? '127.0.0.1'
    : host.includes(':')
      ? `[${host}]`
      : host
