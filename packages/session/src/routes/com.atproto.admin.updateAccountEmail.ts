import type { ComAtprotoAdminUpdateAccountEmail } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { isValidEmail } from '../email-address.js'
import { changeEmail } from '../email-flow.js'

const NSID = 'com.atproto.admin.updateAccountEmail'
type Input = ComAtprotoAdminUpdateAccountEmail.InputSchema

export const adminUpdateAccountEmailRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      await deps.authVerifier.adminBasic(req)
      const input = readInput<Input>(NSID, req)
      const email = input.email.trim().toLowerCase()
      if (!isValidEmail(email)) throw new InvalidRequestError('Invalid email address')
      // `account` is a handle or a DID (at-identifier).
      const account = await deps.accounts.findByIdentifier(input.account)
      if (!account || input.account.includes('@'))
        throw new InvalidRequestError(`Account does not exist: ${input.account}`, 'AccountNotFound')
      if (email !== account.email && (await changeEmail(deps, account.did, email)) === 'taken') {
        throw new InvalidRequestError('This email address is already in use')
      }
      return reply.status(200).send()
    })
  },
}
