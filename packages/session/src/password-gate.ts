import { ServiceUnavailableError } from '@entryway/xrpc'

/**
 * Bounds concurrent scrypt work. Each scrypt call holds a libuv thread (4 by default) for tens of
 * milliseconds; without a bound a login flood would starve DNS, file and crypto work of every
 * other request. Waiters beyond `maxQueue` are refused at once (503) rather than piling up.
 */
export class PasswordGate {
  private active = 0
  private readonly waiting: Array<() => void> = []
  /** Most derivations ever run at once, and how many ran (tests and metrics). */
  peak = 0
  runs = 0

  constructor(
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {}

  get queued(): number {
    return this.waiting.length
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue)
        throw new ServiceUnavailableError('Too many sign-ins in progress, try again shortly')
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.active++
    }
    this.runs++
    if (this.active > this.peak) this.peak = this.active
    try {
      return await fn()
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}
