import { appendFile, mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { AuditCheckpoint } from './audit.js'
import type { AuditCheckpointStore } from './audit-trail.js'

/** The newest checkpoint is found in the file's last bytes (each line is ~250 bytes). */
const TAIL_BYTES = 64 * 1024

/**
 * Signed heads of the admin audit chain as JSON lines in a file outside the database (one per
 * instance is fine: each holds the heads it wrote). Truncating the table cannot reach it; the
 * verify command and the portal check the chain against its newest line.
 */
export class FileAuditCheckpoints implements AuditCheckpointStore {
  private ready: Promise<unknown> | null = null

  constructor(readonly path: string) {}

  async save(cp: AuditCheckpoint): Promise<void> {
    this.ready ??= mkdir(dirname(this.path), { recursive: true })
    await this.ready
    await appendFile(this.path, `${JSON.stringify(cp)}\n`, { mode: 0o600 })
  }

  async latest(): Promise<AuditCheckpoint | null> {
    return latestCheckpointIn(this.path)
  }
}

/** The checkpoint with the highest id among the file's last lines; null when there is none. */
export async function latestCheckpointIn(path: string): Promise<AuditCheckpoint | null> {
  let text: string
  try {
    const fh = await open(path, 'r')
    try {
      const { size } = await fh.stat()
      const start = Math.max(0, size - TAIL_BYTES)
      const buf = Buffer.alloc(size - start)
      await fh.read(buf, 0, buf.length, start)
      text = buf.toString('utf8')
    } finally {
      await fh.close()
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  let best: AuditCheckpoint | null = null
  for (const line of text.split('\n')) {
    let cp: AuditCheckpoint
    try {
      cp = JSON.parse(line) as AuditCheckpoint
    } catch {
      continue // the first line of a tail may be cut
    }
    if (cp && Number.isInteger(cp.id) && (!best || cp.id > best.id)) best = cp
  }
  return best
}
