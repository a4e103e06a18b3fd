import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>

type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>
/** What pino offers beyond Fastify's logger interface (the gateway's logger is always pino). */
type PinoLike = FastifyBaseLogger & {
  levels: { values: Record<string, number> }
  isLevelEnabled(level: string): boolean
}
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * `req.log` that becomes a real pino child only when something is logged at an enabled level.
 * Fastify makes a child logger for every request, and pino's child serialises (and redacts) its
 * bindings at once: ~5 µs a request that most requests never log anything with.
 */
class DeferredChildLogger {
  private real: FastifyBaseLogger | null = null

  constructor(
    private readonly parent: PinoLike,
    private readonly bindings: Bindings,
    private readonly opts: ChildOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings, this.opts))
  }

  get level(): string {
    return this.real ? this.real.level : (this.opts.level ?? this.parent.level)
  }

  set level(level: string) {
    this.logger.level = level
  }

  isLevelEnabled(level: string): boolean {
    if (this.real) return (this.real as PinoLike).isLevelEnabled(level)
    const values = this.parent.levels.values
    const wanted = values[level]
    const current = values[this.level]
    return wanted !== undefined && current !== undefined && wanted >= current
  }

  child(bindings: Bindings, opts?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, opts)
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args)
  }
  error(...args: unknown[]): void {
    this.write('error', args)
  }
  warn(...args: unknown[]): void {
    this.write('warn', args)
  }
  info(...args: unknown[]): void {
    this.write('info', args)
  }
  debug(...args: unknown[]): void {
    this.write('debug', args)
  }
  trace(...args: unknown[]): void {
    this.write('trace', args)
  }
  silent(): void {}

  private write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it: pino's LogFn overloads take no spread
    ;(this.logger[level] as (...a: unknown[]) => void)(...args)
  }
}

/** Fastify `childLoggerFactory` for a pino logger: request loggers are created on first use. */
export const deferredChildLogger: ChildLoggerFactory = function (logger, bindings, opts) {
  return new DeferredChildLogger(logger as PinoLike, bindings, opts)
}
