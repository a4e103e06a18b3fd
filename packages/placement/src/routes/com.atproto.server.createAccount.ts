import type { FastifyInstance } from 'fastify'
import { assertValidXrpcInput, InvalidRequestError } from '@entryway/xrpc'
import type { CreateAccountInput } from '../account-creator.js'
import type { PlacementRouteDeps } from '../route-deps.js'
import { runSignupChecks } from '../signup-checks.js'

export const CREATE_ACCOUNT = 'com.atproto.server.createAccount'

export function registerCreateAccount(app: FastifyInstance, deps: PlacementRouteDeps): void {
  app.post(`/xrpc/${CREATE_ACCOUNT}`, async (req) => {
    const body = req.body
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new InvalidRequestError('A JSON body is required')
    const input = body as CreateAccountInput & Record<string, unknown>
    // The lexicon checks the shape; the handle's syntax is left to our checks, which answer with
    // the lexicon's own error name (InvalidHandle) instead of a generic InvalidRequest.
    assertValidXrpcInput(
      CREATE_ACCOUNT,
      typeof input.handle === 'string' ? { ...input, handle: 'placeholder.test' } : input,
    )
    await runSignupChecks(deps.o, req, input)
    return deps.creator.create(input, req.log)
  })
}
