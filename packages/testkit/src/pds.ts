import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { randomSecret, generateK256Key } from './keys.js'
import { ensurePdsRuntime } from './pds-runtime.js'
import { getFreePort } from './ports.js'
import { ownedDir } from './temp-dir.js'
import { spawnService, WATCH_PARENT_IMPORT, type ExitInfo, type ServiceProcess } from './process.js'

/** What a PDS in entryway mode must know about its Entryway. */
export interface EntrywayIdentity {
  /** Origin only: `https://…`, or `http://localhost:<port>`; anything else crashes the PDS at start. */
  url: string
  did: string
  /** Compressed secp256k1 public key (hex) of the key the Entryway signs session JWTs with. */
  jwtPublicKeyHex: string
  /** `did:key:…` of the Entryway's PLC rotation key. */
  plcRotationKeyDid: string
}

export interface StartPdsOptions {
  plcUrl: string
  entryway: EntrywayIdentity
  /** Shared with the Entryway (it calls admin routes; the PDS forwards Basic admin auth to it). */
  adminPassword: string
  /** e.g. `['.test']`: must match the Entryway's handle domains. */
  handleDomains: string[]
  /** @default a free port */
  port?: number
  /** @default `did:web:localhost%3A<port>` (distinct per PDS: it is the `aud` of access tokens) */
  serviceDid?: string
  /** SQLite files, blobs and `pds.log`. @default a new temp folder */
  dataDir?: string
  /** Extra or overriding `PDS_*` variables (e.g. `PDS_BSKY_APP_VIEW_URL`). An empty string unsets one. */
  env?: Record<string, string>
  /** Secrets the PDS still requires in entryway mode. @default random */
  jwtSecret?: string
  plcRotationKeyHex?: string
  /** Set LOG_ENABLED=true so request logs reach `pds.log`. @default true */
  logs?: boolean
  name?: string
  startTimeoutMs?: number
  onUnexpectedExit?: (info: ExitInfo & { name: string; logTail: string }) => void
}

export interface PdsHandle {
  /** `http://localhost:<port>`: its public URL, the `#atproto_pds` endpoint in DID documents. */
  url: string
  /** Its service DID. */
  did: string
  port: number
  pid: number
  dataDir: string
  logFile: string
  process: ServiceProcess
  stop(): Promise<void>
  kill(signal?: NodeJS.Signals): void
}

/** The env a PDS in entryway mode runs with on loopback (also used by the lab and compose checks). */
export function pdsEnv(
  opts: StartPdsOptions & {
    port: number
    dataDir: string
    jwtSecret: string
    plcRotationKeyHex: string
  },
) {
  const env: Record<string, string> = {
    PDS_HOSTNAME: 'localhost',
    PDS_PORT: String(opts.port),
    PDS_SERVICE_DID: opts.serviceDid ?? localDidWeb(opts.port),
    PDS_DEV_MODE: 'true',
    PDS_INVITE_REQUIRED: 'false',
    PDS_DATA_DIRECTORY: opts.dataDir,
    PDS_BLOBSTORE_DISK_LOCATION: join(opts.dataDir, 'blobs'),
    PDS_DID_PLC_URL: opts.plcUrl,
    PDS_SERVICE_HANDLE_DOMAINS: opts.handleDomains.join(','),
    PDS_ADMIN_PASSWORD: opts.adminPassword,
    PDS_JWT_SECRET: opts.jwtSecret,
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: opts.plcRotationKeyHex,
    PDS_ENTRYWAY_URL: opts.entryway.url,
    PDS_ENTRYWAY_DID: opts.entryway.did,
    PDS_ENTRYWAY_JWT_VERIFY_KEY_K256_PUBLIC_KEY_HEX: opts.entryway.jwtPublicKeyHex,
    PDS_ENTRYWAY_PLC_ROTATION_KEY: opts.entryway.plcRotationKeyDid,
    PDS_RATE_LIMITS_ENABLED: 'true',
    // express sees IPv4 loopback clients as ::ffff:127.0.0.1 on a dual-stack socket
    PDS_RATE_LIMIT_BYPASS_IPS: '127.0.0.1,::ffff:127.0.0.1,::1',
    LOG_ENABLED: opts.logs === false ? 'false' : 'true',
    LOG_LEVEL: 'info',
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === '') delete env[k]
    else env[k] = v
  }
  return env
}

/** `did:web:localhost%3A<port>`: a distinct service DID for a loopback service. */
export function localDidWeb(port: number): string {
  return `did:web:localhost%3A${port}`
}

/** An unmodified `@atproto/pds` in entryway mode, in its own process on the pinned Node. */
export async function startPds(opts: StartPdsOptions): Promise<PdsHandle> {
  const runtime = await ensurePdsRuntime()
  const port = opts.port ?? (await getFreePort())
  const owned = ownedDir(opts.dataDir, 'pds')
  const dataDir = owned.dir
  mkdirSync(join(dataDir, 'blobs'), { recursive: true })
  const jwtSecret = opts.jwtSecret ?? randomSecret()
  const plcRotationKeyHex = opts.plcRotationKeyHex ?? (await generateK256Key()).privateKeyHex
  const env = pdsEnv({ ...opts, port, dataDir, jwtSecret, plcRotationKeyHex })
  const url = `http://localhost:${port}`
  const proc = await spawnService({
    name: opts.name ?? `pds :${port}`,
    command: runtime.nodePath,
    args: ['--import', WATCH_PARENT_IMPORT, runtime.pdsScript],
    cwd: runtime.dir,
    // only what the PDS needs: no PDS_* or NODE_OPTIONS leaking in from the caller
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: process.env.TZ, ...env },
    logFile: join(dataDir, 'pds.log'),
    healthUrl: `${url}/xrpc/_health`,
    startTimeoutMs: opts.startTimeoutMs,
    onUnexpectedExit: opts.onUnexpectedExit,
  }).catch((err: unknown) => {
    owned.remove()
    throw err
  })
  return {
    url,
    did: env.PDS_SERVICE_DID!,
    port,
    pid: proc.pid,
    dataDir,
    logFile: proc.logFile,
    process: proc,
    stop: async () => {
      await proc.stop()
      owned.remove()
    },
    kill: (signal) => proc.kill(signal),
  }
}
