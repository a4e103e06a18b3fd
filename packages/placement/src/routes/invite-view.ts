import type { InviteCodeRecord } from '../invite-store.js'

/** `com.atproto.server.defs#inviteCode`. */
export function inviteView(c: InviteCodeRecord) {
  return {
    code: c.code,
    available: Math.max(0, c.availableUses - c.uses.length),
    disabled: c.disabled,
    forAccount: c.forAccount,
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    uses: c.uses.map((u) => ({ usedBy: u.usedBy, usedAt: u.usedAt })),
  }
}
