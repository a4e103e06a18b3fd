import type { FastifyBaseLogger } from 'fastify'
import { HostSnapshot, type HostDirectory } from './host-directory.js'

/** Keeps a fresh HostSnapshot of the directory; a failed re-read keeps the last good one. */
export class HostTracker {
  private current: HostSnapshot
  private timer: NodeJS.Timeout | null = null
  private loadedAt = 0
  private reloading: Promise<void> | null = null

  constructor(
    private readonly directory: HostDirectory,
    private readonly defaultHostUrl: string | null,
    private readonly log: FastifyBaseLogger,
  ) {
    this.current = new HostSnapshot([], defaultHostUrl)
  }

  get snapshot(): HostSnapshot {
    return this.current
  }

  /**
   * Re-reads the directory now unless it was read within `minAgeMs`: called when a request names
   * a host the snapshot does not know (a host registered since the last periodic read).
   */
  async refreshIfOlder(minAgeMs: number, now: number): Promise<boolean> {
    // an empty fleet routes nothing: always look again (the first read may have run before the
    // hosts were seeded, e.g. by placement registering after the proxy)
    if (this.current.byOrigin.size > 0 && now - this.loadedAt < minAgeMs) return false
    this.reloading ??= this.refresh().finally(() => (this.reloading = null))
    await this.reloading
    return true
  }

  async refresh(): Promise<void> {
    try {
      this.current = new HostSnapshot(await this.directory.list(), this.defaultHostUrl)
      this.loadedAt = Date.now()
    } catch (err) {
      this.log.warn({ err }, 'fleet host list refresh failed; keeping the previous one')
    }
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.refresh(), everyMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
