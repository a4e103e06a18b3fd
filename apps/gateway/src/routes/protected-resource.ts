import type { FastifyInstance } from 'fastify'
import type { ServerConfig } from '../config/config.js'

/**
 * `/.well-known/oauth-protected-resource` of the service as one virtual PDS (as bsky.social
 * serves it): the resource is the public URL and the Entryway is its authorization server,
 * which is what every PDS of the fleet says too.
 */
export function registerProtectedResource(app: FastifyInstance, cfg: ServerConfig): void {
  const body = {
    resource: cfg.service.publicUrl,
    authorization_servers: [cfg.service.publicUrl],
    bearer_methods_supported: ['header'],
    scopes_supported: [],
    resource_documentation: 'https://atproto.com',
  }
  app.get('/.well-known/oauth-protected-resource', async (_req, reply) => {
    reply.header('access-control-allow-origin', '*')
    return body
  })
}
