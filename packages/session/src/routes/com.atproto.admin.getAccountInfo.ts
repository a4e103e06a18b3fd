import type { FastifyInstance } from 'fastify'
import { assertValidXrpcParams, InvalidRequestError } from '@entryway/xrpc'
import type { SessionDeps } from '../deps.js'
import { adminAccountViews } from '../admin-account-view.js'
import { singleParams } from '../query-params.js'

const NSID = 'com.atproto.admin.getAccountInfo'

/** Moderator: one account, the Entryway's data merged with its PDS's (taken down and deactivated ones too). */
export function registerAdminGetAccountInfo(app: FastifyInstance, deps: SessionDeps): void {
  app.get(`/xrpc/${NSID}`, async (req) => {
    await deps.authVerifier.moderator(req, NSID)
    const params = singleParams(req, ['did'])
    assertValidXrpcParams(NSID, params)
    const account = await deps.accounts.getByDid(params.did!)
    if (!account) throw new InvalidRequestError('Account not found', 'NotFound')
    const [view] = await adminAccountViews(deps, [account], req.log)
    return view
  })
}
