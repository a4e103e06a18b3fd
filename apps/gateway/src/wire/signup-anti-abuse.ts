import { readFileSync } from 'node:fs'
import { parseEmailBlocklist, SignupGate, type PlacementOptions } from '@entryway/placement'
import { KyselyGateCodeStore } from '@entryway/placement/postgres'
import { EntrywayConfigError } from '@entryway/xrpc'
import type { GatewayContext } from '../context.js'

/** Placement's sign-up checks from the configuration: the captcha gate, the block list, the service-wide throttle. */
export function signupAntiAbuse(ctx: GatewayContext): Pick<PlacementOptions, 'signupGate' | 'emailBlocklist' | 'onSignupAdmitted'> {
  const { cfg } = ctx
  const c = cfg.signup.captcha
  return {
    signupGate: c ? new SignupGate({ ...c, serviceName: cfg.service.name, store: new KyselyGateCodeStore(ctx.database.db) }) : null,
    ...(cfg.signup.emailBlocklistFile ? { emailBlocklist: readBlocklist(cfg.signup.emailBlocklistFile) } : {}),
    onSignupAdmitted: () => ctx.rateLimits.signupService.hit('service'),
  }
}

function readBlocklist(file: string): Set<string> {
  try {
    return parseEmailBlocklist(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new EntrywayConfigError(`ENTRYWAY_EMAIL_BLOCKLIST_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}
