import { join } from 'node:path'
import { workspaceNodePath } from './node-bin.js'
import { REPO_ROOT, TESTKIT_DIR } from './paths.js'
import { getFreePort } from './ports.js'
import { ownedDir } from './temp-dir.js'
import {
  SOURCE_CONDITION,
  spawnService,
  WATCH_PARENT_IMPORT,
  type ExitInfo,
  type ServiceProcess,
} from './process.js'

export const MAIL_SINK_ENTRY = join(TESTKIT_DIR, 'src', 'bin', 'mail-sink.ts')

export interface SpawnMailSinkOptions {
  smtpPort?: number
  httpPort?: number
  /** Folder for `mail-sink.log`. @default a new temp folder */
  logDir?: string
  onUnexpectedExit?: (info: ExitInfo & { name: string; logTail: string }) => void
}

export interface MailSinkProcess {
  smtpUrl: string
  httpUrl: string
  smtpPort: number
  httpPort: number
  pid: number
  logFile: string
  process: ServiceProcess
  stop(): Promise<void>
}

/** The mail sink in its own process (what the lab runs). */
export async function spawnMailSink(opts: SpawnMailSinkOptions = {}): Promise<MailSinkProcess> {
  const smtpPort = opts.smtpPort ?? (await getFreePort())
  const httpPort = opts.httpPort ?? (await getFreePort())
  const owned = ownedDir(opts.logDir, 'mail')
  const logDir = owned.dir
  const httpUrl = `http://127.0.0.1:${httpPort}`
  const proc = await spawnService({
    name: 'mail sink',
    command: workspaceNodePath(),
    args: [SOURCE_CONDITION, '--import', 'tsx', '--import', WATCH_PARENT_IMPORT, MAIL_SINK_ENTRY],
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MAIL_SINK_SMTP_PORT: String(smtpPort),
      MAIL_SINK_HTTP_PORT: String(httpPort),
    },
    logFile: join(logDir, 'mail-sink.log'),
    healthUrl: `${httpUrl}/_health`,
    onUnexpectedExit: opts.onUnexpectedExit,
  }).catch((err: unknown) => {
    owned.remove()
    throw err
  })
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    httpUrl,
    smtpPort,
    httpPort,
    pid: proc.pid,
    logFile: proc.logFile,
    process: proc,
    stop: async () => {
      await proc.stop()
      owned.remove()
    },
  }
}
