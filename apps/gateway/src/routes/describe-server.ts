import type { FastifyInstance } from 'fastify'
import type { ServerConfig } from '../config/config.js'

/** `com.atproto.server.describeServer`: the fleet as one service. */
export function registerDescribeServer(app: FastifyInstance, cfg: ServerConfig) {
  const body = {
    did: cfg.service.did,
    availableUserDomains: cfg.service.handleDomains,
    inviteCodeRequired: cfg.service.inviteRequired,
    // the Bluesky app shows its captcha step (/gate/signup) when this is true
    phoneVerificationRequired: cfg.signup.captcha !== null,
    links: {
      ...(cfg.service.links.privacyPolicy
        ? { privacyPolicy: cfg.service.links.privacyPolicy }
        : {}),
      ...(cfg.service.links.termsOfService
        ? { termsOfService: cfg.service.links.termsOfService }
        : {}),
    },
    ...(cfg.service.contactEmail ? { contact: { email: cfg.service.contactEmail } } : {}),
  }
  app.get('/xrpc/com.atproto.server.describeServer', async () => body)
}
