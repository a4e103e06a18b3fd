import { join } from 'node:path'
import { ensurePdsRuntime } from './pds-runtime.js'
import { getFreePort } from './ports.js'
import { ownedDir } from './temp-dir.js'
import { spawnService, WATCH_PARENT_IMPORT, type ExitInfo, type ServiceProcess } from './process.js'

export interface StartPlcOptions {
  /** @default a free port */
  port?: number
  /** Postgres URL: the directory keeps its operations there. @default in memory */
  databaseUrl?: string
  /** Postgres schema (letters and `_` only). */
  schema?: string
  /** Folder for `plc.log`. @default a new temp folder */
  logDir?: string
  onUnexpectedExit?: (info: ExitInfo & { name: string; logTail: string }) => void
}

export interface PlcHandle {
  url: string
  port: number
  pid: number
  logFile: string
  process: ServiceProcess
  stop(): Promise<void>
}

/** A real did:plc directory (`@did-plc/server`) in its own process, on the pinned Node. */
export async function startPlc(opts: StartPlcOptions = {}): Promise<PlcHandle> {
  const runtime = await ensurePdsRuntime()
  const port = opts.port ?? (await getFreePort())
  const owned = ownedDir(opts.logDir, 'plc')
  const logDir = owned.dir
  const url = `http://localhost:${port}`
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PLC_PORT: String(port),
    ...(opts.databaseUrl ? { PLC_DB_POSTGRES_URL: opts.databaseUrl } : {}),
    ...(opts.schema ? { PLC_DB_POSTGRES_SCHEMA: opts.schema } : {}),
    LOG_ENABLED: 'false',
  }
  const proc = await spawnService({
    name: 'plc',
    command: runtime.nodePath,
    args: ['--import', WATCH_PARENT_IMPORT, runtime.plcScript],
    cwd: runtime.dir,
    env,
    logFile: join(logDir, 'plc.log'),
    healthUrl: `${url}/_health`,
    onUnexpectedExit: opts.onUnexpectedExit,
  }).catch((err: unknown) => {
    owned.remove()
    throw err
  })
  return {
    url,
    port,
    pid: proc.pid,
    logFile: proc.logFile,
    process: proc,
    stop: async () => {
      await proc.stop()
      owned.remove()
    },
  }
}
