import type { ComAtprotoServerCreateAccount } from '@atproto/api'
import { assertValidXrpcInput, InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { CreateAccountInput } from '../account-creator.js'
import type { PlacementRoute } from '../route-deps.js'
import { runSignupChecks } from '../signup-checks.js'

export const CREATE_ACCOUNT = 'com.atproto.server.createAccount'
type Input = ComAtprotoServerCreateAccount.InputSchema
type Output = ComAtprotoServerCreateAccount.OutputSchema

export const createAccountRoute: PlacementRoute = {
  nsid: CREATE_ACCOUNT,
  rateLimits: [
    { name: 'createAccountPerIp', per: 'ip' },
    { name: 'createAccountPerIpHourly', per: 'ip' },
    { name: 'createAccountPerSubnet', per: 'subnet' },
  ],
  register(app, deps) {
    app.post(xrpcPath(CREATE_ACCOUNT), async (req): Promise<Output> => {
      const body = req.body
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new InvalidRequestError('A JSON body is required')
      const input = body as Input & CreateAccountInput
      // The lexicon checks the shape (not with readInput: the handle's syntax is left to our checks,
      // which answer with the lexicon's own error name, InvalidHandle, not a generic InvalidRequest).
      assertValidXrpcInput(
        CREATE_ACCOUNT,
        typeof input.handle === 'string' ? { ...input, handle: 'placeholder.test' } : input,
      )
      await runSignupChecks(deps.o, req, input, deps.admitSignup)
      return deps.creator.create(input, req.log)
    })
  },
}
