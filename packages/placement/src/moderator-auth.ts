import type { FastifyRequest } from 'fastify'
import type { PlacementAuth } from './deps.js'

/** A moderator method's check: the app's `moderator` when it has one, else Basic admin. */
export async function authModerator(
  auth: PlacementAuth,
  req: FastifyRequest,
  nsid: string,
): Promise<void> {
  if (auth.moderator) await auth.moderator(req, nsid)
  else await auth.admin(req)
}
