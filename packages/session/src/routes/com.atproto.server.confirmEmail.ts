import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { readInput } from '../input.js'
import { requireActiveAccount } from '../account-lookup.js'
import { useEmailToken } from '../email-flow.js'

const NSID = 'com.atproto.server.confirmEmail'

export function registerConfirmEmail(app: FastifyInstance, deps: SessionDeps): void {
  app.post(`/xrpc/${NSID}`, async (req, reply) => {
    const auth = await deps.authVerifier.accessOrService(req, NSID)
    const { email, token } = readInput<{ email: string; token: string }>(NSID, req)
    const account = await requireActiveAccount(deps, auth.did)
    if (!account.email || account.email !== email.trim().toLowerCase())
      throw new InvalidRequestError('invalid email', 'InvalidEmail')
    await useEmailToken(deps, account.did, 'confirm_email', token)
    await deps.accounts.confirmEmail(account.did, new Date(deps.now()).toISOString())
    return reply.status(200).send()
  })
}
