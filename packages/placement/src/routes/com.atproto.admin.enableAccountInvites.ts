import type { FastifyInstance } from 'fastify'
import type { PlacementRouteDeps } from '../route-deps.js'
import {
  ENABLE_ACCOUNT_INVITES,
  registerAccountInvitesSwitch,
} from './com.atproto.admin.disableAccountInvites.js'

export { ENABLE_ACCOUNT_INVITES }

export function registerEnableAccountInvites(app: FastifyInstance, deps: PlacementRouteDeps): void {
  registerAccountInvitesSwitch(app, deps, ENABLE_ACCOUNT_INVITES, false)
}
