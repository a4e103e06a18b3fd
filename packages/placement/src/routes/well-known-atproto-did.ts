import { isValidHandle } from '@atproto/syntax'
import type { RouteModule } from '@entryway/xrpc'

/** `/.well-known/atproto-did` keyed by the Host header: the DID as text, or 404 "User not found". */
export const wellKnownAtprotoDidRoute: RouteModule<{
  o: { accounts: { getByHandle(h: string): Promise<{ did: string; status: string } | null> } }
}> = {
  register(app, { o }) {
    app.get('/.well-known/atproto-did', async (req, reply) => {
      const handle = req.hostname.toLowerCase()
      const account = isValidHandle(handle) ? await o.accounts.getByHandle(handle) : null
      if (!account || account.status === 'takendown')
        return reply.status(404).type('text/plain; charset=utf-8').send('User not found')
      return reply.type('text/plain; charset=utf-8').send(account.did)
    })
  },
}
