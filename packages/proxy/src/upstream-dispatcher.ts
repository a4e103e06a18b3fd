import { Agent, type Dispatcher } from 'undici'
import { publicOnlyLookup } from './address-guard.js'

export interface UpstreamDispatcherOptions {
  connectionsPerHost: number
  keepAliveTimeoutMs: number
  connectTimeoutMs: number
  upstreamTimeoutMs: number
  /** Origins of fleet hosts right now (they may be private: the operator registered them). */
  isFleetOrigin: (origin: string) => boolean
  /** Extra origins allowed by configuration; reached only at public addresses. */
  allowedOrigins: ReadonlySet<string>
}

export class UpstreamNotAllowedError extends Error {
  override name = 'UpstreamNotAllowedError'
  readonly code = 'ERR_UPSTREAM_NOT_ALLOWED'
}

/** A fleet host answered a call the Entryway made itself with something other than 200. */
export class UpstreamStatusError extends Error {
  override name = 'UpstreamStatusError'
  readonly code = 'ERR_UPSTREAM_STATUS'
}

/**
 * Where forwarded requests go out: fleet hosts use one keep-alive pool per origin; allowed
 * extra origins go through a second agent whose DNS lookup refuses non-public addresses; anything
 * else is refused here as a last line of defence behind the router.
 */
export class UpstreamDispatcher {
  private readonly fleet: Agent
  private readonly external: Agent

  constructor(private readonly o: UpstreamDispatcherOptions) {
    const common = {
      connections: o.connectionsPerHost,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      headersTimeout: o.upstreamTimeoutMs,
      bodyTimeout: o.upstreamTimeoutMs,
    }
    this.fleet = new Agent({ ...common, connect: { timeout: o.connectTimeoutMs } })
    this.external = new Agent({ ...common, connect: { timeout: o.connectTimeoutMs, lookup: publicOnlyLookup } })
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    const origin = String(opts.origin)
    if (this.o.isFleetOrigin(origin)) {
      this.fleet.dispatch(opts, handler)
    } else if (this.o.allowedOrigins.has(origin)) {
      this.external.dispatch(opts, handler)
    } else {
      process.nextTick(() => handler.onError?.(new UpstreamNotAllowedError(`refusing to forward to ${origin}`)))
    }
  }

  /** A GET the Entryway makes itself to a fleet host (no client request behind it), as JSON. */
  async getJson(origin: string, path: string): Promise<unknown> {
    if (!this.o.isFleetOrigin(origin)) throw new UpstreamNotAllowedError(`refusing to call ${origin}`)
    const res = await this.fleet.request({ origin, path, method: 'GET', headers: { accept: 'application/json' } })
    if (res.statusCode !== 200) {
      await res.body.dump()
      throw new UpstreamStatusError(`${origin} answered ${res.statusCode}`)
    }
    return res.body.json()
  }

  async close(): Promise<void> {
    await Promise.all([this.fleet.close(), this.external.close()])
  }

  async destroy(): Promise<void> {
    await Promise.all([this.fleet.destroy(), this.external.destroy()])
  }
}
