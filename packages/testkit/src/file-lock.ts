import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const POLL_MS = 500
/** A lock directory with no pid file after this long belongs to a process that died creating it. */
const ORPHAN_MS = 10_000

/**
 * Runs `fn` while holding a cross-process lock: a directory created atomically with `mkdir`,
 * holding the owner's pid. A lock whose owner is dead is broken, so a killed install never
 * blocks the next one.
 */
export async function withFileLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  opts: { onWait?: () => void } = {},
): Promise<T> {
  let waited = false
  for (;;) {
    try {
      mkdirSync(lockDir)
      writeFileSync(join(lockDir, 'pid'), String(process.pid))
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (ownerIsDead(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (!waited) opts.onWait?.()
      waited = true
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}

function ownerIsDead(lockDir: string): boolean {
  let pid: number
  try {
    pid = Number.parseInt(readFileSync(join(lockDir, 'pid'), 'utf8'), 10)
  } catch {
    // being created right now (its owner writes the pid next), or orphaned long ago
    try {
      return Date.now() - statSync(lockDir).mtimeMs > ORPHAN_MS
    } catch {
      return false
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
