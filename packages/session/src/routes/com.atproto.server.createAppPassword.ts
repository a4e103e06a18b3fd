import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { requireActiveAccount } from '../account-lookup.js'
import { generateAppPassword } from '../email-token.js'
import { hashAppPassword } from '../password.js'
import { ACCESS_FULL } from '../scopes.js'

const NSID = 'com.atproto.server.createAppPassword'

export function registerCreateAppPassword(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req) => {
    // Full sessions only: an app-password session cannot mint more app passwords.
    const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
    const { name, privileged = false } = readInput<{ name: string; privileged?: boolean }>(
      NSID,
      req,
    )
    const account = await requireActiveAccount(deps, auth.did)
    const password = generateAppPassword()
    const passwordScrypt = await deps.gate.run(() => hashAppPassword(account.did, password))
    const createdAt = new Date(deps.now()).toISOString()
    if (
      !(await deps.appPasswords.create(account.did, {
        name,
        passwordScrypt,
        privileged,
        createdAt,
      }))
    ) {
      throw new InvalidRequestError(
        'could not create app-specific password: the name is already used',
      )
    }
    return { name, password, createdAt, privileged }
  })
}
