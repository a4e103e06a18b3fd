import { buildConfig, type ServerConfig } from './config.js'
import { parseEnv } from './env.js'
import { ProblemList } from './problems.js'
import { buildSecrets, type ServerSecrets } from './secrets.js'

/** The whole environment checked in one pass: config and secrets, or every problem at once. */
export function loadConfig(raw: Record<string, string | undefined>): {
  cfg: ServerConfig
  secrets: ServerSecrets
} {
  const problems = new ProblemList()
  const env = parseEnv(raw, problems)
  const cfg = buildConfig(env, problems)
  const secrets = buildSecrets(env, problems)
  problems.throwIfAny()
  return { cfg, secrets }
}
