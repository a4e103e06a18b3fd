import type { ComAtprotoServerConfirmEmail } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { useEmailToken } from '../email-flow.js'

const NSID = 'com.atproto.server.confirmEmail'
type Input = ComAtprotoServerConfirmEmail.InputSchema

export const confirmEmailRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const auth = await deps.authVerifier.accessOrService(req, NSID)
      const { email, token } = readInput<Input>(NSID, req)
      const account = await requireActiveAccount(deps, auth.did)
      if (!account.email || account.email !== email.trim().toLowerCase())
        throw new InvalidRequestError('invalid email', 'InvalidEmail')
      await useEmailToken(deps, account.did, 'confirm_email', token)
      await deps.accounts.confirmEmail(account.did, new Date(deps.now()).toISOString())
      return reply.status(200).send()
    })
  },
}
