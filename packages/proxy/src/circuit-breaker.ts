/** Codes of a host that did not answer at all: refused, reset, unreachable, or silent past a deadline. */
const UNREACHABLE_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_SOCKET',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
])

export interface CircuitBreakerOptions {
  /** Consecutive unreachable answers that open a host's circuit. */
  threshold: number
  /** How long an open circuit refuses before a probe may close it. */
  openMs: number
  /** Asks the host whether it answers again; resolves true when it does. */
  probe: (origin: string) => Promise<boolean>
  now: () => number
  /** Told when a circuit opens or closes (for a log line). */
  onChange?: (origin: string, open: boolean) => void
}

interface HostCircuit {
  failures: number
  /** 0 while closed; else when the next probe may go out. */
  openUntil: number
  probing: boolean
}

/**
 * Per-origin circuit: after `threshold` consecutive failures to reach a host (no answer at all,
 * not an error status: a PDS answering 500 is up), requests to it are refused at once instead of
 * each waiting out the upstream timeout. Once `openMs` has passed, the next request (refused as
 * well) sends one probe in the background; the circuit closes when the probe is answered and
 * stays open for another `openMs` when it is not. The clients never wait on a probe.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, HostCircuit>()

  constructor(private readonly o: CircuitBreakerOptions) {}

  /** Whether a request may go to `origin` now (false: refuse it, the circuit is open). */
  allows(origin: string): boolean {
    const c = this.circuits.get(origin)
    if (c === undefined || c.openUntil === 0) return true
    if (!c.probing && this.o.now() >= c.openUntil) this.probe(origin, c)
    return false
  }

  /** Seconds until the next probe may go out (for `retry-after`); at least 1. */
  retryAfterSeconds(origin: string): number {
    const c = this.circuits.get(origin)
    const left = c ? c.openUntil - this.o.now() : 0
    return Math.max(1, Math.ceil(left / 1000))
  }

  /** The host answered (any status). */
  answered(origin: string): void {
    const c = this.circuits.get(origin)
    if (c === undefined) return
    if (c.openUntil !== 0) this.o.onChange?.(origin, false)
    this.circuits.delete(origin)
  }

  /** A request to the host failed; only failures to reach it count. */
  failed(origin: string, err: unknown): void {
    if (!isUnreachable(err)) return
    let c = this.circuits.get(origin)
    if (c === undefined) {
      c = { failures: 0, openUntil: 0, probing: false }
      this.circuits.set(origin, c)
    }
    c.failures++
    if (c.openUntil === 0 && c.failures >= this.o.threshold) {
      c.openUntil = this.o.now() + this.o.openMs
      this.o.onChange?.(origin, true)
    }
  }

  isOpen(origin: string): boolean {
    return (this.circuits.get(origin)?.openUntil ?? 0) !== 0
  }

  private probe(origin: string, c: HostCircuit): void {
    c.probing = true
    void this.o
      .probe(origin)
      .catch(() => false)
      .then((ok) => {
        c.probing = false
        if (this.circuits.get(origin) !== c) return
        if (ok) this.answered(origin)
        else c.openUntil = this.o.now() + this.o.openMs
      })
  }
}

export function isUnreachable(err: unknown): boolean {
  let e = err as { code?: unknown; cause?: unknown } | undefined
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true
    e = e.cause as typeof e
  }
  return false
}
