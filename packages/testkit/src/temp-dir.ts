import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The caller's folder, or a new temp folder that `remove()` deletes (a no-op for the caller's). */
export function ownedDir(
  given: string | undefined,
  prefix: string,
): { dir: string; remove(): void } {
  if (given) return { dir: given, remove: () => {} }
  const dir = mkdtempSync(join(tmpdir(), `entryway-${prefix}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
