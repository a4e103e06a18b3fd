import type { FastifyBaseLogger } from 'fastify'
import { InvalidRequestError, XrpcError } from '@entryway/xrpc'
import type { MoveGateEntry, MoveJobStore } from './move-job-store.js'

export interface MoveGateOptions {
  jobs: MoveJobStore
  /** How often the frozen set is re-read; the mover waits at least this long before it deactivates the source. */
  refreshMs: number
  /** Moves finished this recently are remembered (access tokens for the old host live this long). */
  recentMs: number
  /** `Retry-After` of AccountMoving, in seconds. */
  retryAfterSec: number
  log: FastifyBaseLogger
}

/**
 * What the Entryway says to requests of a moving or just-moved account, before the proxy forwards
 * them: `503 AccountMoving` (retryable) during the freeze, `400 ExpiredToken` for an access token
 * minted for the account's previous host (the client refreshes and gets one for the new host).
 */
export class MoveGate {
  private entries = new Map<string, MoveGateEntry>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly o: MoveGateOptions) {}

  async refresh(): Promise<void> {
    const list = await this.o.jobs.gateEntries(this.o.recentMs)
    this.entries = new Map(list.map((e) => [e.did, e]))
  }

  start(): void {
    const tick = () => {
      this.refresh()
        .catch((err: unknown) => this.o.log.warn({ err }, 'move gate refresh failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.o.refreshMs).unref()
        })
    }
    this.timer = setTimeout(tick, 0).unref()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  isFrozen(did: string): boolean {
    return this.entries.get(did)?.frozen === true
  }

  /** The refusal for a request acting as `sub` with a token for `aud`, or null to let it through. */
  check(sub: string, aud: string | null): XrpcError | null {
    if (this.entries.size === 0) return null
    const e = this.entries.get(sub)
    if (!e) return null
    if (e.frozen) return this.moving()
    if (aud && aud.startsWith('did:') && aud !== e.hostDid) {
      return new InvalidRequestError(
        'The account moved to another host; refresh the session',
        'ExpiredToken',
      )
    }
    return null
  }

  /** For requests that name a repo without acting as it (reads by DID). */
  checkRepo(did: string): XrpcError | null {
    return this.entries.size > 0 && this.isFrozen(did) ? this.moving() : null
  }

  private moving(): XrpcError {
    return new XrpcError(
      503,
      'AccountMoving',
      'The account is moving to another host; retry shortly',
      {
        headers: { 'retry-after': String(this.o.retryAfterSec) },
      },
    )
  }
}
