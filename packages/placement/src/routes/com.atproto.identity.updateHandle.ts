import type { ComAtprotoIdentityUpdateHandle } from '@atproto/api'
import { assertValidXrpcInput, ForbiddenError, InvalidRequestError, xrpcPath } from '@entryway/xrpc'
import type { PlacementRoute } from '../route-deps.js'

export const UPDATE_HANDLE = 'com.atproto.identity.updateHandle'
type Input = ComAtprotoIdentityUpdateHandle.InputSchema

/**
 * From a client (our access token, full scope) or forwarded by the user's PDS (service JWT with
 * `lxm` = this method, plus a `did` body field the lexicon does not declare).
 */
export const updateHandleRoute: PlacementRoute = {
  nsid: UPDATE_HANDLE,
  rateLimits: [
    { name: 'updateHandlePerAccount', per: 'account' },
    { name: 'updateHandlePerIpDaily', per: 'ip' },
  ],
  register(app, deps) {
    app.post(xrpcPath(UPDATE_HANDLE), async (req, reply) => {
      const auth = await deps.o.auth.user(req, UPDATE_HANDLE, { full: true })
      // the lexicon checks the shape (not with readInput: `did` is no lexicon field, and the
      // handle's syntax is left to the updater, which names the error InvalidHandle)
      const body = (req.body ?? {}) as Partial<Input> & { did?: unknown }
      if (typeof body !== 'object' || Array.isArray(body))
        throw new InvalidRequestError('A JSON body is required')
      const { did: bodyDid, ...rest } = body
      assertValidXrpcInput(
        UPDATE_HANDLE,
        typeof rest.handle === 'string' ? { ...rest, handle: 'placeholder.test' } : rest,
      )
      // The service JWT is the user's own (iss = user); a `did` naming anyone else would let one
      // user rename another, so it must match.
      if (bodyDid !== undefined && bodyDid !== auth.did)
        throw new ForbiddenError('did does not match the credentials')
      await deps.handles.update(auth.did, rest.handle, req.log)
      return reply.status(200).send()
    })
  },
}
