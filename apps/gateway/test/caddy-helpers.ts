import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { REPO_ROOT, getFreePort, spawnService, type ServiceProcess } from '@entryway/testkit'

export const SHIPPED_CADDYFILE = join(REPO_ROOT, 'docker', 'Caddyfile')
const CADDY_START_TIMEOUT_MS = 30_000
const POLL_MS = 100

/** The caddy binary, or null (Debian package `caddy`; `.ci/run` installs it). */
export function caddyBinary(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v caddy'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

export interface CaddyHandle {
  httpsPort: number
  /** Caddy's internal root CA (PEM file): clients trust it for `tls internal`. */
  rootCaFile: string
  process: ServiceProcess
  stop(): Promise<void>
}

/**
 * Caddy with the given Caddyfile text (the shipped one, or a variant) on free ports, its internal
 * CA and state in a temp folder, no admin endpoint; resolves once the HTTPS port accepts.
 */
export async function startCaddy(opts: {
  caddyfile: string
  env: Record<string, string>
  httpsPort?: number
}): Promise<CaddyHandle> {
  const bin = caddyBinary()
  if (!bin) throw new Error('caddy is not installed (apt-get install -y caddy)')
  const dir = mkdtempSync(join(tmpdir(), 'entryway-caddy-'))
  const httpsPort = opts.httpsPort ?? (await getFreePort())
  const httpPort = await getFreePort()
  const config = join(dir, 'Caddyfile')
  writeFileSync(config, opts.caddyfile)
  const proc = await spawnService({
    name: 'caddy',
    command: bin,
    args: ['run', '--config', config, '--adapter', 'caddyfile'],
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      CADDY_GLOBAL_OPTIONS: [
        'admin off',
        `http_port ${httpPort}`,
        `https_port ${httpsPort}`,
        `storage file_system ${join(dir, 'storage')}`,
        'skip_install_trust',
      ].join('\n'),
      CADDY_TLS_ISSUER: 'internal',
      ...opts.env,
    },
    logFile: join(dir, 'caddy.log'),
  })
  const rootCaFile = join(dir, 'storage', 'pki', 'authorities', 'local', 'root.crt')
  const deadline = Date.now() + CADDY_START_TIMEOUT_MS
  while (!(existsSync(rootCaFile) && (await accepts(httpsPort)))) {
    if (proc.hasExited || Date.now() > deadline) {
      const log = existsSync(proc.logFile) ? readFileSync(proc.logFile, 'utf8').slice(-2000) : ''
      await proc.stop()
      throw new Error(`caddy did not start: ${log}`)
    }
    await sleep(POLL_MS)
  }
  return {
    httpsPort,
    rootCaFile,
    process: proc,
    stop: async () => {
      await proc.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}
