import { EnvValueError } from './env-types.js'
import { ENV_TABLE, type EnvVar, type ServerEnvironment } from './env-table.js'
import { ConfigProblemsError, ProblemList } from './problems.js'

export { ENV_NAMES, ENV_TABLE, type ServerEnvironment } from './env-table.js'

type RawEnv = Record<string, string | undefined>

/**
 * Parses every variable of `ENV_TABLE`; problems (values that do not parse) go to
 * `problems`, so one run reports all of them. Only this module reads `process.env`.
 */
export function parseEnv(raw: RawEnv, problems: ProblemList): ServerEnvironment {
  const out: Record<string, unknown> = {}
  for (const [key, def] of Object.entries(ENV_TABLE) as [string, EnvVar<unknown>][]) {
    if (def.family) {
      const members: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(raw)) {
        if (
          !name.startsWith(def.name) ||
          name.length === def.name.length ||
          present(value) === undefined
        )
          continue
        const parsed = parseOne(def, name, value!, problems)
        if (parsed !== undefined) members[name.slice(def.name.length)] = parsed
      }
      if (Object.keys(members).length) out[key] = members
      continue
    }
    const value = present(raw[def.name])
    if (value === undefined) continue
    const parsed = parseOne(def, def.name, value, problems)
    if (parsed !== undefined) out[key] = parsed
  }
  return out
}

/** Variables the table marks required that are unset (and whose stand-in is unset too). */
export function checkRequired(env: ServerEnvironment, problems: ProblemList): void {
  const byName = new Map(
    Object.entries(ENV_TABLE).map(([key, def]) => [def.name, key as keyof ServerEnvironment]),
  )
  for (const [key, def] of Object.entries(ENV_TABLE) as [
    keyof ServerEnvironment,
    EnvVar<unknown>,
  ][]) {
    if (!def.required || env[key] !== undefined) continue
    const alt = typeof def.required === 'string' ? def.required : undefined
    if (alt && env[byName.get(alt)!] !== undefined) continue
    // set but wrong: that problem is already on the list
    if (problems.items.some((p) => p.name === def.name || p.name === alt)) continue
    problems.add(def.name, alt ? `is required (or ${alt})` : 'is required', def.example)
  }
}

/** `parseEnv` that throws every problem at once (`ConfigProblemsError`). */
export function readEnv(raw: RawEnv = process.env): ServerEnvironment {
  const problems = new ProblemList()
  const env = parseEnv(raw, problems)
  problems.throwIfAny()
  return env
}

function parseOne(
  def: EnvVar<unknown>,
  name: string,
  value: string,
  problems: ProblemList,
): unknown {
  try {
    return def.type.parse(value)
  } catch (err) {
    if (!(err instanceof EnvValueError)) throw err
    problems.add(name, err.message, def.example)
    return undefined
  }
}

const present = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v)

export { ConfigProblemsError }
