import type { FastifyRequest } from 'fastify'
import { assertEmailNotBlocked } from './email-blocklist.js'
import type { ResolvedPlacementOptions } from './options.js'

/**
 * The anti-abuse checks of createAccount, before any work: the email's domain against the block
 * list, then the captcha gate's `verificationCode` (consumed here, so the cheap checks go first),
 * then the service-wide admission (`admit`: the `signupsPerService` limit, which only sign-ups
 * that got this far count, so junk requests cannot use up the service's quota).
 *
 * Accounts brought with their own DID (migrations) pass the gate like any sign-up: migration tools
 * open `/gate/signup?handle=…&state=…&redirect_url=<an allowed redirect>` and send the `code` they
 * get back. The operator's own tools skip it with the admin Basic password (a wrong one is
 * refused and counted as any other).
 */
export async function runSignupChecks(
  o: ResolvedPlacementOptions,
  req: FastifyRequest,
  input: { email?: unknown; handle?: unknown; verificationCode?: unknown },
  admit: () => Promise<void>,
): Promise<void> {
  assertEmailNotBlocked(o.emailBlocklist, input.email)
  if (o.signupGate) {
    const operator = /^basic /i.test(req.headers.authorization ?? '')
    if (operator) await o.auth.admin(req)
    else
      await o.signupGate.consume(
        input.verificationCode,
        typeof input.handle === 'string' ? input.handle.trim() : '',
      )
  }
  await admit()
}
