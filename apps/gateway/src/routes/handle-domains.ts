import type { FastifyInstance } from 'fastify'
import { isValidHandle } from '@atproto/syntax'
import type { ServerConfig } from '../config/config.js'

/** The one lookup these routes need: a live account by handle. */
export interface HandleAccounts {
  getByHandle(
    handle: string,
  ): Promise<{ did: string; handle: string | null; status: string } | null>
}

export const TLS_ASK_PATH = '/tls/ask'

/**
 * Handle subdomains at the edge:
 * - `GET /tls/ask?domain=…`: the reverse proxy's on-demand TLS asks whether to get a certificate
 *   for a name (Caddy's `on_demand_tls { ask … }`): yes (200) for the service's own host and for
 *   handles of live accounts under the service's handle domains, no (404) for anything else, so
 *   nobody can make the proxy request certificates for arbitrary names;
 * - `GET /` on a handle's own domain redirects to the profile page the operator configured.
 */
export function registerHandleDomains(
  app: FastifyInstance,
  cfg: ServerConfig,
  accounts: HandleAccounts,
): void {
  const serviceHost = new URL(cfg.service.publicUrl).hostname.toLowerCase()

  async function liveHandle(name: string): Promise<{ did: string; handle: string } | null> {
    const handle = name.toLowerCase()
    if (!isValidHandle(handle) || !cfg.service.handleDomains.some((d) => handle.endsWith(d)))
      return null
    const account = await accounts.getByHandle(handle)
    return account && account.status !== 'takendown' ? { did: account.did, handle } : null
  }

  app.get(TLS_ASK_PATH, { logLevel: 'warn' }, async (req, reply) => {
    const domain = String((req.query as { domain?: string | string[] }).domain ?? '').toLowerCase()
    if (domain === serviceHost || (await liveHandle(domain)))
      return reply.type('text/plain; charset=utf-8').send('ok')
    // Caddy reads only the status; the body is XRPC-shaped like every other refusal
    return reply.status(404).send({ error: 'NotFound', message: 'not a host of this service' })
  })

  app.get('/', async (req, reply) => {
    const account = cfg.service.handleProfileUrl ? await liveHandle(req.hostname) : null
    if (!account) return reply.callNotFound()
    const target = cfg.service
      .handleProfileUrl!.replaceAll('{did}', encodeURIComponent(account.did))
      .replaceAll('{handle}', encodeURIComponent(account.handle))
    return reply.redirect(target, 302)
  })
}
