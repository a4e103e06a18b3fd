import { createHash } from 'node:crypto'
import { readFileSync, watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { parseRbacPolicy, RbacConfigError, type RbacPolicy } from './rbac-policy.js'

/** The policy in force. The plugin reads it on every request, so reloads apply at once. */
export interface RbacSource {
  current(): RbacPolicy
  close(): void
}

/** A fixed policy (tests, or a policy built in code). */
export class StaticRbacSource implements RbacSource {
  constructor(private readonly policy: RbacPolicy) {}
  current(): RbacPolicy {
    return this.policy
  }
  close(): void {}
}

export interface ReloadLogger {
  info(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface FileRbacSourceOptions {
  path: string
  log: ReloadLogger
  /** Poll period, the fallback when fs.watch misses events (network file systems, some editors). */
  pollIntervalMs: number
  /** Wait after a change event before reading, so a half-written file is not read. */
  debounceMs: number
  /** Called after each reload attempt (tests wait on it). */
  onReload?: (result: { ok: true } | { ok: false; error: Error }) => void
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/**
 * The RBAC YAML file, reloaded without a restart. The first load throws (a broken file must stop
 * boot). Afterwards, an invalid file is refused and logged with every problem it has, and the last
 * good policy stays in force. Watches the folder (editors replace files by rename) and also polls.
 */
export class FileRbacSource implements RbacSource {
  private policy: RbacPolicy
  private goodHash: string
  private badHash: string | null = null
  private watcher: FSWatcher | null = null
  private poll: NodeJS.Timeout
  private debounce: NodeJS.Timeout | null = null
  private reading: Promise<void> | null = null
  private closed = false

  constructor(private readonly opts: FileRbacSourceOptions) {
    const text = readFileSync(opts.path, 'utf8')
    this.policy = parseRbacPolicy(text)
    this.goodHash = sha256(text)
    try {
      const name = basename(opts.path)
      this.watcher = watch(dirname(opts.path), { persistent: false }, (_event, file) => {
        if (!file || file === name) this.schedule()
      })
      this.watcher.on('error', () => {
        this.watcher?.close()
        this.watcher = null
      })
    } catch {
      this.watcher = null
    }
    this.poll = setInterval(() => void this.reload(), opts.pollIntervalMs)
    this.poll.unref()
  }

  current(): RbacPolicy {
    return this.policy
  }

  private schedule(): void {
    if (this.closed) return
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = setTimeout(() => void this.reload(), this.opts.debounceMs)
    this.debounce.unref()
  }

  /** Reads the file now; resolves once the result is in force (or refused). */
  reload(): Promise<void> {
    if (this.reading) return this.reading
    this.reading = this.readOnce().finally(() => {
      this.reading = null
    })
    return this.reading
  }

  private async readOnce(): Promise<void> {
    if (this.closed) return
    let text: string
    try {
      text = await readFile(this.opts.path, 'utf8')
    } catch (err) {
      // A missing file mid-rename is normal; report it once, keep the last good policy.
      const h = `missing:${(err as NodeJS.ErrnoException).code}`
      if (this.badHash !== h) {
        this.badHash = h
        this.opts.log.error(
          { err, path: this.opts.path },
          'rbac file unreadable; keeping the last good policy',
        )
        this.opts.onReload?.({ ok: false, error: err as Error })
      }
      return
    }
    const h = sha256(text)
    if (h === this.goodHash || h === this.badHash) return
    try {
      const next = parseRbacPolicy(text)
      this.policy = next
      this.goodHash = h
      this.badHash = null
      this.opts.log.info(
        { path: this.opts.path, roles: next.roles.size, members: next.members.size },
        'rbac file reloaded',
      )
      this.opts.onReload?.({ ok: true })
    } catch (err) {
      this.badHash = h
      const problems = err instanceof RbacConfigError ? err.problems : [String(err)]
      this.opts.log.error(
        { path: this.opts.path, problems },
        'rbac file refused; keeping the last good policy',
      )
      this.opts.onReload?.({ ok: false, error: err as Error })
    }
  }

  close(): void {
    this.closed = true
    clearInterval(this.poll)
    if (this.debounce) clearTimeout(this.debounce)
    this.watcher?.close()
  }
}
