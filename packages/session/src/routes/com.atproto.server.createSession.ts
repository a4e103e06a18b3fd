import type { ComAtprotoServerCreateSession } from '@atproto/api'
import { AuthRequiredError, readInput, xrpcPath } from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { authenticate } from '../login.js'
import { sendEmailToken, useEmailToken } from '../email-flow.js'
import { sessionInfo } from '../session-output.js'
import { AuthScope } from '../scopes.js'

const NSID = 'com.atproto.server.createSession'
type Input = ComAtprotoServerCreateSession.InputSchema
type Output = ComAtprotoServerCreateSession.OutputSchema

export const createSessionRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req): Promise<Output> => {
      const input = readInput<Input>(NSID, req)
      const { account, appPassword } = await authenticate(deps, {
        identifier: input.identifier,
        password: input.password,
        ip: req.ip,
        appPasswords: deps.appPasswords,
      })
      const takendown = account.status === 'takendown'
      if (takendown && !input.allowTakendown)
        throw new AuthRequiredError('Account has been taken down', 'AccountTakedown')

      // Email 2FA guards the account password; app passwords are made for apps and skip it.
      if (!appPassword && account.emailAuthFactor && account.email && account.emailConfirmedAt) {
        if (!input.authFactorToken) {
          await sendEmailToken(deps, req, account, 'two_factor', 'signInCode')
          throw new AuthRequiredError(
            'A sign in code has been sent to your email address',
            'AuthFactorTokenRequired',
          )
        }
        await useEmailToken(deps, account.did, 'two_factor', input.authFactorToken)
      }

      const scope = takendown
        ? AuthScope.Takendown
        : appPassword
          ? appPassword.privileged
            ? AuthScope.AppPassPrivileged
            : AuthScope.AppPass
          : AuthScope.Access
      const [tokens, info] = await Promise.all([
        deps.sessionIssuer.issue({
          did: account.did,
          pdsDid: account.host.did,
          scope,
          appPasswordName: appPassword?.name ?? null,
        }),
        sessionInfo(deps, req, account),
      ])
      req.log.info({ did: account.did, scope }, 'session created')
      return { accessJwt: tokens.accessJwt, refreshJwt: tokens.refreshJwt, ...info }
    })
  },
}
