import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** How long a handed-out port stays reserved for its caller (time for the child to bind it). */
export const PORT_RESERVATION_MS = 60_000
const LOCK_DIR = join(tmpdir(), 'entryway-testkit-ports')
const MAX_ATTEMPTS = 50

export interface GetFreePortOptions {
  /** Try this port first (a fixed port for humans), then fall back to any free port. */
  preferred?: number
  /** Try these ports in order before falling back (e.g. 2600, 2601, …). */
  preferredRange?: { from: number; to: number }
}

/**
 * A TCP port free on every interface, reserved across processes: each port handed out is also
 * recorded as a lock directory in the temp folder (with the owner's pid) for `PORT_RESERVATION_MS`
 * or until the owner exits, so two test files allocating ports at the same time never get the
 * same one before their children bind it.
 */
export async function getFreePort(opts: GetFreePortOptions = {}): Promise<number> {
  mkdirSync(LOCK_DIR, { recursive: true })
  const wanted: number[] = []
  if (opts.preferred) wanted.push(opts.preferred)
  if (opts.preferredRange) {
    for (let p = opts.preferredRange.from; p <= opts.preferredRange.to; p++) wanted.push(p)
  }
  for (const port of wanted) {
    if (reserve(port) && (await canBind(port))) return port
  }
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const port = await bindAny()
    if (reserve(port) && (await canBind(port))) return port
  }
  throw new Error('@entryway/testkit: no free port found')
}

/** True when nothing listens on the port (on any interface). */
export function isPortFree(port: number): Promise<boolean> {
  return canBind(port)
}

function reserve(port: number): boolean {
  const lock = join(LOCK_DIR, String(port))
  try {
    mkdirSync(lock)
    writeFileSync(join(lock, 'pid'), String(process.pid))
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  try {
    if (Date.now() - statSync(lock).mtimeMs < PORT_RESERVATION_MS && ownerAlive(lock)) return false
    rmSync(lock, { recursive: true, force: true })
    mkdirSync(lock)
    writeFileSync(join(lock, 'pid'), String(process.pid))
    return true
  } catch {
    return false // another process took the stale reservation first
  }
}

function ownerAlive(lock: string): boolean {
  let pid: number
  try {
    pid = Number.parseInt(readFileSync(join(lock, 'pid'), 'utf8'), 10)
  } catch {
    return true // being written right now
  }
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    // no host: listens on :: (dual stack), so a port free here is free on 127.0.0.1 too
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

function bindAny(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ port: 0, exclusive: true }, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
