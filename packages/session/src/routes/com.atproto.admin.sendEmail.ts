import type { ComAtprotoAdminSendEmail } from '@atproto/api'
import {
  AuthRequiredError,
  InvalidRequestError,
  readInput,
  UpstreamFailureError,
  xrpcPath,
} from '@entryway/xrpc'
import type { SessionRoute } from '../deps.js'
import { renderModeratorEmail } from '../email-templates.js'
import { EmailNotConfiguredError } from '../token-emails.js'

const NSID = 'com.atproto.admin.sendEmail'
type Input = ComAtprotoAdminSendEmail.InputSchema
type Output = ComAtprotoAdminSendEmail.OutputSchema

export const adminSendEmailRoute: SessionRoute = {
  nsid: NSID,
  register(app, deps) {
    app.post(xrpcPath(NSID), async (req): Promise<Output> => {
      // Basic admin or a moderation service (moderator auth), else a PDS forwarding for the recipient
      const isBasic = /^basic /i.test(req.headers.authorization ?? '')
      let serviceIss: string | null = null
      if (isBasic || deps.authVerifier.isModServiceToken(req))
        await deps.authVerifier.moderator(req, NSID)
      else serviceIss = (await deps.authVerifier.service(req, NSID)).did
      const input = readInput<Input>(NSID, req)
      // A PDS forwards this with a service token signed for the recipient (admin/sendEmail.ts).
      if (serviceIss !== null && serviceIss !== input.recipientDid)
        throw new AuthRequiredError(
          'Service token must be issued for the recipient',
          'InvalidToken',
        )
      const account = await deps.accounts.getByDid(input.recipientDid)
      if (!account) throw new InvalidRequestError('Recipient not found', 'AccountNotFound')
      if (!account.email) throw new InvalidRequestError('account does not have an email address')
      if (!deps.mailer) throw new EmailNotConfiguredError('admin.sendEmail')
      try {
        await deps.mailer.send(
          renderModeratorEmail({
            to: account.email,
            serviceName: deps.serviceName,
            subject: input.subject,
            content: input.content,
          }),
        )
      } catch (err) {
        throw new UpstreamFailureError('Could not send the email', { cause: err })
      }
      req.log.info(
        { recipient: input.recipientDid, sender: input.senderDid },
        'moderation email sent',
      )
      return { sent: true }
    })
  },
}
