/**
 * Value types of environment variables: how a raw string becomes a value, and what the
 * documentation calls it. `parse` throws an `EnvValueError` whose message says what is wrong.
 */
export interface EnvType<T> {
  /** Shown in the configuration table and `--help`. */
  label: string
  parse(raw: string): T
}

export class EnvValueError extends Error {
  override name = 'EnvValueError'
}

const quote = (raw: string) => JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw)

export const text: EnvType<string> = { label: 'string', parse: (raw) => raw }

export const integer = (
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
  label = 'integer',
): EnvType<number> => ({
  label,
  parse(raw) {
    const v = raw.trim()
    if (!/^-?\d+$/.test(v)) throw new EnvValueError(`${quote(raw)} is not a whole number`)
    const n = Number(v)
    if (n < min || n > max) throw new EnvValueError(`${n} is out of range (${min}–${max})`)
    return n
  },
})

export const port = integer(0, 65_535, 'port')
export const milliseconds = integer(0, Number.MAX_SAFE_INTEGER, 'milliseconds')

export const bool: EnvType<boolean> = {
  label: 'true | false',
  parse(raw) {
    const v = raw.trim().toLowerCase()
    if (v === 'true' || v === '1') return true
    if (v === 'false' || v === '0') return false
    throw new EnvValueError(`${quote(raw)} is not true or false`)
  },
}

export const list = <T>(item: EnvType<T>): EnvType<T[]> => ({
  label: `comma-separated ${item.label}`,
  parse: (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => item.parse(s)),
})

export const oneOf = <const T extends string>(values: readonly T[]): EnvType<T> => ({
  label: values.join(' | '),
  parse(raw) {
    const v = raw.trim() as T
    if (!values.includes(v))
      throw new EnvValueError(`${quote(raw)} is not one of ${values.join(', ')}`)
    return v
  },
})

export const url = (protocols: readonly string[] = ['http:', 'https:']): EnvType<string> => ({
  label: `URL (${protocols.map((p) => p.slice(0, -1)).join(', ')})`,
  parse(raw) {
    const v = raw.trim()
    let u: URL
    try {
      u = new URL(v)
    } catch {
      throw new EnvValueError(`${quote(raw)} is not a URL`)
    }
    if (!protocols.includes(u.protocol))
      throw new EnvValueError(
        `${quote(raw)} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
      )
    return v.replace(/\/+$/, '')
  },
})

/** An origin: scheme, host and port, no path (PDSes use the Entryway's URL as the OAuth issuer). */
export const origin: EnvType<string> = {
  label: 'URL origin',
  parse(raw) {
    const v = url().parse(raw)
    const u = new URL(v)
    if (u.pathname !== '/' || u.search || u.hash || u.username) {
      throw new EnvValueError(
        `${quote(raw)} must be an origin (no path): PDSes use it as the OAuth issuer`,
      )
    }
    return u.origin
  },
}

export const did: EnvType<string> = {
  label: 'DID',
  parse(raw) {
    const v = raw.trim()
    if (!/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/.test(v))
      throw new EnvValueError(`${quote(raw)} is not a DID`)
    return v
  },
}

/** A secp256k1 private key as hex; the value is never echoed back. */
export const privateKeyHex: EnvType<string> = {
  label: '64 hex chars',
  parse(raw) {
    const v = raw.trim()
    if (!/^[0-9a-fA-F]{64}$/.test(v))
      throw new EnvValueError(
        `must be 64 hex characters (a 32-byte secp256k1 private key), got ${v.length} characters`,
      )
    return v.toLowerCase()
  },
}

/** A compressed secp256k1 public key as hex. */
export const publicKeyHex: EnvType<string> = {
  label: '66 hex chars',
  parse(raw) {
    const v = raw.trim()
    if (!/^0[23][0-9a-fA-F]{64}$/.test(v))
      throw new EnvValueError(
        `${quote(raw)} is not a compressed secp256k1 public key (66 hex characters)`,
      )
    return v.toLowerCase()
  },
}

export const email: EnvType<string> = {
  label: 'email address',
  parse(raw) {
    const v = raw.trim()
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(v) && !/^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(v))
      throw new EnvValueError(`${quote(raw)} is not an email address`)
    return v
  },
}

/** `<points>/<duration>` as in `100/5m`: at most `points` in each window of `durationMs`. */
export interface RateSpec {
  points: number
  durationMs: number
}
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }
export const rate: EnvType<RateSpec> = {
  label: '<points>/<duration>',
  parse(raw) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)?\s*(ms|s|m|h|d)\s*$/.exec(raw)
    if (!m || Number(m[1]) < 1)
      throw new EnvValueError(`${quote(raw)} is not <points>/<duration> like 100/5m`)
    return { points: Number(m[1]), durationMs: Number(m[2] ?? 1) * UNIT_MS[m[3]!]! }
  },
}
