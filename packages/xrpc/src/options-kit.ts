import { EntrywayConfigError } from './errors.js'
import type { RateWindow } from './rate-counter.js'

/**
 * What a plugin's `resolveOptions` returns: every option present (defaults filled) and read-only.
 * `Normalised` replaces the type of options changed on the way in (an array kept as a Set, a
 * string secret kept as bytes…).
 */
export type Resolved<T, Normalised = object> = Readonly<
  Omit<Required<T>, keyof Normalised> & Normalised
>

/** The validators every plugin's `options.ts` uses; each failure names the package and the option. */
export interface OptionsKit {
  /** Throws `EntrywayConfigError('<package>: <message>')`. */
  fail: (message: string) => never
  /** `raw` must be an object (a plugin registered without options fails here). */
  object: (raw: unknown) => void
  positiveInt: (name: string, v: unknown, def: number, max?: number) => number
  nonNegativeInt: (name: string, v: unknown, def: number) => number
  bool: (name: string, v: unknown, def: boolean) => boolean
  /** A function option, `def` when absent. */
  fn: <F extends (...args: never[]) => unknown>(name: string, v: unknown, def: F) => F
  /** A required dependency: an object with each of these methods. */
  needs: (name: string, v: unknown, ...methods: string[]) => void
  /** A clock option (`now: () => number`, milliseconds), `Date.now` when absent. */
  clock: (v: unknown) => () => number
  /**
   * A `rateLimits` option: each window of `defaults`, overridden by `v`'s, checked and frozen;
   * `false` turns them off (null).
   */
  rateWindows: <N extends string>(
    v: Partial<Record<N, RateWindow>> | false | undefined,
    defaults: Readonly<Record<N, RateWindow>>,
  ) => Readonly<Record<N, RateWindow>> | null
}

export function optionsKit(pkg: string): OptionsKit {
  const fail = (message: string): never => {
    throw new EntrywayConfigError(`${pkg}: ${message}`)
  }
  const fn = <F extends (...args: never[]) => unknown>(name: string, v: unknown, def: F): F => {
    if (v === undefined) return def
    if (typeof v !== 'function') fail(`${name} must be a function`)
    return v as F
  }
  return {
    fail,
    object: (raw) => {
      if (!raw || typeof raw !== 'object') fail('options are required')
    },
    positiveInt: (name, v, def, max = Number.MAX_SAFE_INTEGER) => {
      if (v === undefined) return def
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > max) {
        fail(
          `${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` ≤ ${max}` : ''}`,
        )
      }
      return v as number
    },
    nonNegativeInt: (name, v, def) => {
      if (v === undefined) return def
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        fail(`${name} must be a non-negative integer`)
      return v as number
    },
    bool: (name, v, def) => {
      if (v === undefined) return def
      if (typeof v !== 'boolean') fail(`${name} must be a boolean`)
      return v as boolean
    },
    fn,
    needs: (name, v, ...methods) => {
      for (const m of methods) {
        if (!v || typeof (v as Record<string, unknown>)[m] !== 'function')
          fail(`${name} must have a ${m}() method`)
      }
    },
    clock: (v) => fn('now', v, Date.now),
    rateWindows: <N extends string>(
      v: Partial<Record<N, RateWindow>> | false | undefined,
      defaults: Readonly<Record<N, RateWindow>>,
    ) => {
      if (v === false) return null
      if (v !== undefined && (!v || typeof v !== 'object'))
        fail('rateLimits must be an object of { points, durationMs } windows, or false')
      const out = {} as Record<N, RateWindow>
      for (const name of Object.keys(defaults) as N[]) {
        const w = v?.[name] ?? defaults[name]
        const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0
        if (!w || !ok(w.points) || !ok(w.durationMs))
          fail(`rateLimits.${name} must be { points, durationMs } with positive integers`)
        out[name] = Object.freeze({ points: w.points, durationMs: w.durationMs })
      }
      return Object.freeze(out)
    },
  }
}
