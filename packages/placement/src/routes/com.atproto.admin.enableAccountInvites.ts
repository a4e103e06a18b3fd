import {
  ENABLE_ACCOUNT_INVITES,
  accountInvitesSwitch,
} from './com.atproto.admin.disableAccountInvites.js'

export { ENABLE_ACCOUNT_INVITES }

export const enableAccountInvitesRoute = accountInvitesSwitch(ENABLE_ACCOUNT_INVITES, false)
