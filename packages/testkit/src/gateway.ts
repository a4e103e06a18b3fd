import { join } from 'node:path'
import { workspaceNodePath } from './node-bin.js'
import { REPO_ROOT } from './paths.js'
import { getFreePort } from './ports.js'
import { ownedDir } from './temp-dir.js'
import {
  SOURCE_CONDITION,
  spawnService,
  WATCH_PARENT_IMPORT,
  type ExitInfo,
  type ServiceProcess,
} from './process.js'

export const GATEWAY_ENTRY = join(REPO_ROOT, 'apps', 'gateway', 'src', 'bin', 'gateway.ts')
/** The built gateway (`tsc -b` writes it): what a deployment runs, plain Node, no tsx. */
export const GATEWAY_BUILT_ENTRY = join(REPO_ROOT, 'apps', 'gateway', 'dist', 'bin', 'gateway.js')
/** The built gateway bundled into one file (`apps/gateway/scripts/bundle.mjs`): what the image runs. */
export const GATEWAY_BUNDLE_ENTRY = join(
  REPO_ROOT,
  'apps',
  'gateway',
  'dist',
  'bundle',
  'gateway.mjs',
)

export interface StartGatewayOptions {
  /** `ENTRYWAY_*` (and `DATABASE_URL`) variables; see apps/gateway/src/config/env.ts `ENV_NAMES`. */
  env: Record<string, string>
  /** Sets `ENTRYWAY_PORT`. @default `env.ENTRYWAY_PORT`, else a free port */
  port?: number
  /** Folder for `gateway.log`. @default `env.ENTRYWAY_DATA_DIR`, else a new temp folder */
  logDir?: string
  name?: string
  startTimeoutMs?: number
  onUnexpectedExit?: (info: ExitInfo & { name: string; logTail: string }) => void
  /**
   * Run built JavaScript instead of the source through tsx: `true` runs `GATEWAY_BUILT_ENTRY`
   * (packages resolved to their `dist`), `'bundle'` the one-file bundle the image runs.
   */
  built?: boolean | 'bundle'
}

export interface GatewayHandle {
  /** `http://localhost:<port>` (or `ENTRYWAY_PUBLIC_URL` when given). */
  url: string
  port: number
  pid: number
  logFile: string
  process: ServiceProcess
  stop(): Promise<void>
  kill(signal?: NodeJS.Signals): void
}

/** The gateway (`apps/gateway/src/bin/gateway.ts` through tsx, or the built one) in its own process. */
export async function startGateway(opts: StartGatewayOptions): Promise<GatewayHandle> {
  const port =
    opts.port ?? (opts.env.ENTRYWAY_PORT ? Number(opts.env.ENTRYWAY_PORT) : await getFreePort())
  const owned = ownedDir(opts.logDir ?? opts.env.ENTRYWAY_DATA_DIR, 'gateway')
  const logDir = owned.dir
  const local = `http://localhost:${port}`
  const proc = await spawnService({
    name: opts.name ?? `gateway :${port}`,
    command: workspaceNodePath(),
    args: opts.built
      ? [
          '--import',
          WATCH_PARENT_IMPORT,
          opts.built === 'bundle' ? GATEWAY_BUNDLE_ENTRY : GATEWAY_BUILT_ENTRY,
        ]
      : [SOURCE_CONDITION, '--import', 'tsx', '--import', WATCH_PARENT_IMPORT, GATEWAY_ENTRY],
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TZ: process.env.TZ,
      ...opts.env,
      ENTRYWAY_PORT: String(port),
    },
    logFile: join(logDir, 'gateway.log'),
    healthUrl: `${local}/xrpc/_health`,
    startTimeoutMs: opts.startTimeoutMs,
    onUnexpectedExit: opts.onUnexpectedExit,
  }).catch((err: unknown) => {
    owned.remove()
    throw err
  })
  return {
    url: opts.env.ENTRYWAY_PUBLIC_URL ?? local,
    port,
    pid: proc.pid,
    logFile: proc.logFile,
    process: proc,
    stop: async () => {
      await proc.stop()
      owned.remove()
    },
    kill: (signal) => proc.kill(signal),
  }
}
