import type { FastifyInstance } from 'fastify'
import { isValidHandle } from '@atproto/syntax'

/** `/.well-known/atproto-did` keyed by the Host header: the DID as text, or 404 "User not found". */
export function registerWellKnownAtprotoDid(
  app: FastifyInstance,
  deps: { accounts: { getByHandle(h: string): Promise<{ did: string; status: string } | null> } },
): void {
  app.get('/.well-known/atproto-did', async (req, reply) => {
    const handle = req.hostname.toLowerCase()
    const account = isValidHandle(handle) ? await deps.accounts.getByHandle(handle) : null
    if (!account || account.status === 'takendown')
      return reply.status(404).type('text/plain; charset=utf-8').send('User not found')
    return reply.type('text/plain; charset=utf-8').send(account.did)
  })
}
