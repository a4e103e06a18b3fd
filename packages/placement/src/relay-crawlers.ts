import type { FastifyBaseLogger } from 'fastify'
import { callJson, UpstreamCallError } from './upstream-call.js'

export const DEFAULT_CRAWL_ATTEMPTS = 4
export const DEFAULT_CRAWL_BACKOFF_MS = 1_000
export const DEFAULT_CRAWL_TIMEOUT_MS = 10_000

/** What one relay said to `requestCrawl` for one host, after its retries. */
export interface CrawlResult {
  relay: string
  hostname: string
  ok: boolean
  attempts: number
  /** The last failure, for the operator (status and XRPC error name, or unreachable/timeout). */
  error?: string
}

export interface RelayCrawlersOptions {
  /** Relay base URLs (`ENTRYWAY_CRAWLERS`, like the PDS's `PDS_CRAWLERS`). */
  relays: readonly string[]
  /** Tries per relay and host. @default 4 */
  attempts?: number
  /** Wait before the second try, doubled each time. @default 1000 */
  backoffMs?: number
  /** @default 10000 */
  timeoutMs?: number
}

/**
 * Asks relays to crawl hosts (`com.atproto.sync.requestCrawl {hostname}`). A relay subscribes to
 * each PDS's `subscribeRepos` itself; the Entryway only tells it that a host is there. Failures are
 * retried with backoff and logged; they never fail the caller.
 */
export class RelayCrawlers {
  private readonly attempts: number
  private readonly backoffMs: number
  private readonly timeoutMs: number
  private closed = false
  private readonly waits = new Set<{ timer: NodeJS.Timeout; done: () => void }>()

  constructor(private readonly o: RelayCrawlersOptions) {
    this.attempts = o.attempts ?? DEFAULT_CRAWL_ATTEMPTS
    this.backoffMs = o.backoffMs ?? DEFAULT_CRAWL_BACKOFF_MS
    this.timeoutMs = o.timeoutMs ?? DEFAULT_CRAWL_TIMEOUT_MS
  }

  get relays(): readonly string[] {
    return this.o.relays
  }

  /** Every relay (the configured ones unless `relays` is given) for `hostname`, in parallel. */
  async requestCrawl(
    hostname: string,
    log: FastifyBaseLogger,
    relays: readonly string[] = this.o.relays,
  ): Promise<CrawlResult[]> {
    return Promise.all(relays.map((relay) => this.one(relay.replace(/\/+$/, ''), hostname, log)))
  }

  /** Stops the waits between retries (shutdown); calls in flight end after their current try. */
  close(): void {
    this.closed = true
    for (const w of this.waits) {
      clearTimeout(w.timer)
      w.done()
    }
    this.waits.clear()
  }

  private async one(relay: string, hostname: string, log: FastifyBaseLogger): Promise<CrawlResult> {
    let error = ''
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await callJson(`${relay}/xrpc/com.atproto.sync.requestCrawl`, {
          method: 'POST',
          body: { hostname },
          timeoutMs: this.timeoutMs,
        })
        log.info({ relay, hostname, attempt }, 'relay asked to crawl host')
        return { relay, hostname, ok: true, attempts: attempt }
      } catch (err) {
        error =
          err instanceof UpstreamCallError
            ? err.status
              ? `${err.status}${err.errorName ? ` ${err.errorName}` : ''}`
              : err.kind
            : 'failed'
        log.warn({ relay, hostname, attempt, error }, 'relay requestCrawl failed')
        // a relay refusing the request itself (4xx other than 429) will refuse it again
        const status = err instanceof UpstreamCallError ? err.status : null
        if (status !== null && status >= 400 && status < 500 && status !== 429)
          return { relay, hostname, ok: false, attempts: attempt, error }
      }
      if (attempt < this.attempts && !(await this.wait(this.backoffMs * 2 ** (attempt - 1))))
        return { relay, hostname, ok: false, attempts: attempt, error }
    }
    log.error(
      { relay, hostname, attempts: this.attempts, error },
      'relay could not be asked to crawl host',
    )
    return { relay, hostname, ok: false, attempts: this.attempts, error }
  }

  /** false when closed meanwhile. */
  private wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const w = {
        timer: setTimeout(() => {
          this.waits.delete(w)
          resolve(!this.closed)
        }, ms),
        done: () => resolve(false),
      }
      this.waits.add(w)
    })
  }
}

/** The name a relay is given for a host: its public host (and port, when not the default one). */
export function crawlHostname(publicUrl: string): string {
  return new URL(publicUrl).host
}
