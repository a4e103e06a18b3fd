import type { ComAtprotoServerCreateAppPassword } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { generateAppPassword } from '../email-token.js'
import { hashAppPassword } from '../password.js'
import { ACCESS_FULL } from '../scopes.js'

const NSID = 'com.atproto.server.createAppPassword'
type Input = ComAtprotoServerCreateAppPassword.InputSchema
type Output = ComAtprotoServerCreateAppPassword.OutputSchema

export const createAppPasswordRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req): Promise<Output> => {
      // Full sessions only: an app-password session cannot mint more app passwords.
      const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
      const { name, privileged = false } = readInput<Input>(NSID, req)
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
  },
}
