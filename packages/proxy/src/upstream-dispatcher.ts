import { Agent, type Dispatcher } from 'undici'
import { publicOnlyLookup } from './address-guard.js'
import { CircuitBreaker } from './circuit-breaker.js'

export interface UpstreamDispatcherOptions {
  connectionsPerHost: number
  keepAliveTimeoutMs: number
  connectTimeoutMs: number
  upstreamTimeoutMs: number
  /** Origins of fleet hosts right now (they may be private: the operator registered them). */
  isFleetOrigin: (origin: string) => boolean
  /** Extra origins allowed by configuration; reached only at public addresses. */
  allowedOrigins: ReadonlySet<string>
  /** Consecutive failures to reach a host that open its circuit. */
  circuitThreshold: number
  /** How long an open circuit refuses before a probe may close it. */
  circuitOpenMs: number
  /** How a host is named to clients (its DID and public origin, never the internal URL). */
  hostName: (origin: string) => string
  now: () => number
  onCircuitChange?: (host: string, open: boolean) => void
}

/** The host's circuit is open: refused here without a connection attempt. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError'
  readonly code = 'ERR_CIRCUIT_OPEN'
  constructor(
    readonly host: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${host} is not answering (circuit open)`)
  }
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
  readonly circuits: CircuitBreaker

  constructor(private readonly o: UpstreamDispatcherOptions) {
    const common = {
      connections: o.connectionsPerHost,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      headersTimeout: o.upstreamTimeoutMs,
      bodyTimeout: o.upstreamTimeoutMs,
    }
    this.fleet = new Agent({ ...common, connect: { timeout: o.connectTimeoutMs } })
    this.external = new Agent({
      ...common,
      connect: { timeout: o.connectTimeoutMs, lookup: publicOnlyLookup },
    })
    this.circuits = new CircuitBreaker({
      threshold: o.circuitThreshold,
      openMs: o.circuitOpenMs,
      probe: (origin) => this.probe(origin),
      now: o.now,
      onChange: o.onCircuitChange
        ? (origin, open) => o.onCircuitChange!(o.hostName(origin), open)
        : undefined,
    })
  }

  /** Refuses at once when the origin's circuit is open (false: the handler was given the error). */
  private admit(origin: string, handler: Dispatcher.DispatchHandler): boolean {
    if (this.circuits.allows(origin)) return true
    const err = new CircuitOpenError(
      this.o.hostName(origin),
      this.circuits.retryAfterSeconds(origin),
    )
    process.nextTick(() => handler.onError?.(err))
    return false
  }

  /** The probe of an open circuit: any answer to `_health` within the upstream timeout closes it. */
  private async probe(origin: string): Promise<boolean> {
    const agent = this.o.isFleetOrigin(origin)
      ? this.fleet
      : this.o.allowedOrigins.has(origin)
        ? this.external
        : null
    if (!agent) return false
    const res = await agent.request({
      origin,
      path: '/xrpc/_health',
      method: 'GET',
      signal: AbortSignal.timeout(this.o.upstreamTimeoutMs),
    })
    await res.body.dump()
    return true
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    const origin = String(opts.origin)
    if (this.o.isFleetOrigin(origin)) {
      if (this.admit(origin, handler)) this.fleet.dispatch(opts, handler)
    } else if (this.o.allowedOrigins.has(origin)) {
      if (this.admit(origin, handler)) this.external.dispatch(opts, handler)
    } else {
      process.nextTick(() =>
        handler.onError?.(new UpstreamNotAllowedError(`refusing to forward to ${origin}`)),
      )
    }
  }

  /** A GET the Entryway makes itself to a fleet host (no client request behind it), as JSON. */
  async getJson(origin: string, path: string): Promise<unknown> {
    if (!this.o.isFleetOrigin(origin))
      throw new UpstreamNotAllowedError(`refusing to call ${origin}`)
    if (!this.circuits.allows(origin))
      throw new CircuitOpenError(this.o.hostName(origin), this.circuits.retryAfterSeconds(origin))
    let res: Dispatcher.ResponseData
    try {
      res = await this.fleet.request({
        origin,
        path,
        method: 'GET',
        headers: { accept: 'application/json' },
      })
    } catch (err) {
      this.circuits.failed(origin, err)
      throw err
    }
    this.circuits.answered(origin)
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
