import type { ComAtprotoServerUpdateEmail } from '@atproto/api'
import { InvalidRequestError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { requireActiveAccount } from '../account-lookup.js'
import { changeEmail, checkEmailToken, useEmailToken } from '../email-flow.js'
import { ACCESS_FULL } from '../scopes.js'
import { isValidEmail } from '../email-address.js'

const NSID = 'com.atproto.server.updateEmail'
type Input = ComAtprotoServerUpdateEmail.InputSchema

/**
 * Changes the address (it becomes unconfirmed, 2FA off) and/or toggles email 2FA. With the same
 * address only the 2FA flag changes, which is how apps turn 2FA on and off.
 */
export const updateEmailRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req, reply) => {
      const auth = await deps.authVerifier.accessOrService(req, NSID, ACCESS_FULL)
      const input = readInput<Input>(NSID, req)
      const email = input.email.trim().toLowerCase()
      if (!isValidEmail(email))
        throw new InvalidRequestError(
          'This email address is not supported, please use a different email.',
        )
      const account = await requireActiveAccount(deps, auth.did)
      const changing = email !== account.email
      // sign-in codes the service cannot mail would lock the account out
      if (input.emailAuthFactor && !account.emailAuthFactor)
        deps.tokenEmails.assertEnabled('turning on email sign-in codes')
      if (account.emailConfirmedAt && !input.token)
        throw new InvalidRequestError('confirmation token required', 'TokenRequired')
      if (input.emailAuthFactor && (changing || !account.emailConfirmedAt)) {
        throw new InvalidRequestError(
          'Confirm your email address before turning on email sign-in codes',
        )
      }

      // Check everything before changing anything; the code is used up only once the change is made.
      if (input.token) await checkEmailToken(deps, account.did, 'update_email', input.token)
      if (changing) {
        if ((await changeEmail(deps, account.did, email)) === 'taken') {
          throw new InvalidRequestError(
            'This email address is already in use, please use a different email.',
          )
        }
      } else if (
        input.emailAuthFactor !== undefined &&
        input.emailAuthFactor !== account.emailAuthFactor
      ) {
        await deps.accounts.setEmailAuthFactor(account.did, input.emailAuthFactor)
      }
      if (input.token)
        await useEmailToken(deps, account.did, 'update_email', input.token).catch(() => undefined)
      return reply.status(200).send()
    })
  },
}
