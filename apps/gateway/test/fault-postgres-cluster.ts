import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { getFreePort } from '@entryway/testkit'

const run = promisify(execFile)
const PG_ROOT = '/usr/lib/postgresql'

/**
 * A throwaway PostgreSQL cluster of the test's own (initdb in a temp folder, its own port and
 * socket folder), so a test may stop and start it without touching the machine's shared server.
 */
export interface PrivateCluster {
  url: string
  port: number
  stop(): Promise<void>
  start(): Promise<void>
  destroy: () => Promise<void>
}

/** The bin folder of the newest installed PostgreSQL, or null. */
export function postgresBinDir(): string | null {
  if (!existsSync(PG_ROOT)) return null
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : null
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = postgresBinDir()
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql')
  const dir = mkdtempSync('/tmp/entryway-pg-')
  const data = join(dir, 'data')
  const port = await getFreePort()
  // initdb refuses to run as root: run the server binaries as the postgres user, who owns the folder
  const asRoot = userInfo().uid === 0
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  const pg = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args])
      : run(join(bin, tool), args)
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-N'])
  const ctl = (args: string[]) => pg('pg_ctl', ['-D', data, ...args])
  const start = async () => {
    await ctl([
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
    ])
  }
  await start()
  let destroyed = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop: async () => {
      await ctl(['-m', 'fast', '-w', '-t', '30', 'stop'])
    },
    destroy: async () => {
      if (destroyed) return
      destroyed = true
      await ctl(['-m', 'immediate', '-w', '-t', '30', 'stop']).catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
