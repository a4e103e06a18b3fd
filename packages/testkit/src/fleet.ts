import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway, type GatewayHandle } from './gateway.js'
import { generateEntrywayKeys, randomSecret, type EntrywayKeys } from './keys.js'
import { startMailSink, type MailSink } from './mail-sink.js'
import { localDidWeb, startPds, type EntrywayIdentity, type PdsHandle } from './pds.js'
import { startPlc, type PlcHandle } from './plc.js'
import { getFreePort } from './ports.js'
import type { ExitInfo } from './process.js'

export const DEFAULT_HANDLE_DOMAINS = ['.test']

export interface StartFleetOptions {
  /** How many PDSes. @default 2 */
  pdsCount?: number
  /** Start the gateway process(es). `false`: allocate its port and env only, for tests that build it in-process. @default true */
  gateway?: boolean
  /** How many gateway processes share the Entryway's URL, DID and keys (needs `databaseUrl` when > 1). @default 1 */
  gateways?: number
  /** Postgres for the gateway(s) (`DATABASE_URL`). @default the gateway's embedded PGlite */
  databaseUrl?: string
  /** Postgres for PLC. @default in memory */
  plcDatabaseUrl?: string
  plcSchema?: string
  /** @default ['.test'] */
  handleDomains?: string[]
  /** @default random */
  adminPassword?: string
  /** @default generated */
  keys?: EntrywayKeys
  /** Start an in-process mail sink and give it to the gateway. @default true */
  mail?: boolean
  /**
   * Point every PDS's app view (`PDS_BSKY_APP_VIEW_URL`/`_DID`) at the Entryway, so a PDS resolves
   * handles through the Entryway's `com.atproto.identity.resolveHandle` (in entryway mode a PDS
   * otherwise resolves handles only by DNS TXT or https well-known, neither of which works on
   * loopback). @NOTE the PDS then also proxies `app.bsky.*` calls there. @default true
   */
  appViewViaEntryway?: boolean
  /** Extra env for every PDS / every gateway. */
  pdsEnv?: Record<string, string>
  gatewayEnv?: Record<string, string>
  /** Root folder for data and logs. @default a new temp folder, removed by `stop()` */
  dir?: string
  onUnexpectedExit?: (info: ExitInfo & { name: string; logTail: string }) => void
}

export interface Fleet {
  dir: string
  adminPassword: string
  handleDomains: string[]
  keys: EntrywayKeys
  /** What the PDSes were told about the Entryway. */
  entryway: EntrywayIdentity & { port: number }
  plc: PlcHandle
  pds: PdsHandle[]
  /** `[{ url, did }]`: the gateway's `ENTRYWAY_FLEET_HOSTS`. */
  fleetHosts: { url: string; did: string }[]
  mail: MailSink | null
  /** The first gateway process (null with `gateway: false`). */
  gateway: GatewayHandle | null
  gateways: GatewayHandle[]
  /** The env the (first) gateway runs with: pass it to `readEnv()` to build one in-process. */
  gatewayEnv: Record<string, string>
  stop(): Promise<void>
}

/**
 * PLC + N PDSes in entryway mode + a mail sink + the gateway, all real processes on loopback,
 * wired to each other. The Entryway is `http://localhost:<port>` with DID
 * `did:web:localhost%3A<port>`; every PDS knows its JWT public key and PLC rotation key.
 */
export async function startFleet(opts: StartFleetOptions = {}): Promise<Fleet> {
  const pdsCount = opts.pdsCount ?? 2
  const gatewayCount = opts.gateway === false ? 0 : (opts.gateways ?? 1)
  if (gatewayCount > 1 && !opts.databaseUrl) {
    throw new Error(
      '@entryway/testkit: several gateways must share a Postgres database (databaseUrl)',
    )
  }
  const ownDir = !opts.dir
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'entryway-fleet-'))
  const handleDomains = opts.handleDomains ?? DEFAULT_HANDLE_DOMAINS
  const adminPassword = opts.adminPassword ?? randomSecret()
  const keys = opts.keys ?? (await generateEntrywayKeys())
  const started: { stop(): Promise<void> }[] = []
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {})
    started.length = 0
  }

  try {
    const gatewayPort = await getFreePort()
    const entryway = {
      url: `http://localhost:${gatewayPort}`,
      did: localDidWeb(gatewayPort),
      jwtPublicKeyHex: keys.jwt.publicKeyHex,
      plcRotationKeyDid: keys.plcRotation.did,
      port: gatewayPort,
    }
    const plc = await startPlc({
      databaseUrl: opts.plcDatabaseUrl,
      schema: opts.plcSchema,
      logDir: dir,
      onUnexpectedExit: opts.onUnexpectedExit,
    })
    started.push(plc)

    const appView: Record<string, string> =
      opts.appViewViaEntryway === false
        ? {}
        : { PDS_BSKY_APP_VIEW_URL: entryway.url, PDS_BSKY_APP_VIEW_DID: entryway.did }
    const pdsPorts: number[] = []
    for (let i = 0; i < pdsCount; i++) pdsPorts.push(await getFreePort())
    const pds = await Promise.all(
      pdsPorts.map(async (port, i) => {
        const dataDir = join(dir, `pds${i + 1}`)
        mkdirSync(dataDir, { recursive: true })
        const p = await startPds({
          name: `pds ${i + 1}`,
          port,
          dataDir,
          plcUrl: plc.url,
          entryway,
          adminPassword,
          handleDomains,
          env: { ...appView, ...opts.pdsEnv },
          onUnexpectedExit: opts.onUnexpectedExit,
        })
        started.push(p)
        return p
      }),
    )
    const fleetHosts = pds.map((p) => ({ url: p.url, did: p.did }))

    let mail: MailSink | null = null
    if (opts.mail !== false) {
      mail = await startMailSink()
      started.push(mail)
    }

    const gatewayDataDir = join(dir, 'gateway')
    mkdirSync(gatewayDataDir, { recursive: true })
    const gatewayEnv: Record<string, string> = {
      ENTRYWAY_PORT: String(gatewayPort),
      ENTRYWAY_PUBLIC_URL: entryway.url,
      ENTRYWAY_DID: entryway.did,
      ENTRYWAY_HANDLE_DOMAINS: handleDomains.join(','),
      // a test fleet signs many accounts up from one loopback address; the hourly sign-up
      // throttles (tested on their own in abuse/signup-throttles) would refuse them
      ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_IP_HOURLY: '100000/1h',
      ENTRYWAY_RATE_LIMIT_CREATE_ACCOUNT_SUBNET: '100000/1h',
      ENTRYWAY_DATA_DIR: gatewayDataDir,
      ENTRYWAY_PLC_URL: plc.url,
      ENTRYWAY_JWT_SIGNING_KEY_HEX: keys.jwt.privateKeyHex,
      ENTRYWAY_PLC_ROTATION_KEY_HEX: keys.plcRotation.privateKeyHex,
      ENTRYWAY_PDS_ADMIN_PASSWORD: adminPassword,
      ENTRYWAY_FLEET_HOSTS: JSON.stringify(fleetHosts),
      ...(mail
        ? { ENTRYWAY_SMTP_URL: mail.smtpUrl, ENTRYWAY_EMAIL_FROM: 'noreply@entryway.test' }
        : {}),
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      ...opts.gatewayEnv,
    }

    const gateways: GatewayHandle[] = []
    for (let i = 0; i < gatewayCount; i++) {
      const port = i === 0 ? gatewayPort : await getFreePort()
      const g = await startGateway({
        name: `gateway ${i + 1}`,
        port,
        env: gatewayEnv,
        logDir: i === 0 ? gatewayDataDir : join(dir, `gateway${i + 1}`),
        onUnexpectedExit: opts.onUnexpectedExit,
      })
      started.push(g)
      gateways.push(g)
    }

    return {
      dir,
      adminPassword,
      handleDomains,
      keys,
      entryway,
      plc,
      pds,
      fleetHosts,
      mail,
      gateway: gateways[0] ?? null,
      gateways,
      gatewayEnv,
      stop: async () => {
        await stopAll()
        if (ownDir) rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await stopAll()
    if (ownDir) rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
