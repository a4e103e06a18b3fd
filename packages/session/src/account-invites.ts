/** `com.atproto.server.defs#inviteCode`, as admin account views carry it. */
export interface AdminInviteCode {
  code: string
  available: number
  disabled: boolean
  forAccount: string
  createdBy: string
  createdAt: string
  uses: Array<{ usedBy: string; usedAt: string }>
}

/** An account's invite standing, as the admin views show it. */
export interface AccountInviteStanding {
  invites: AdminInviteCode[]
  invitesDisabled: boolean
}

/**
 * The invite codes the Entryway keeps for accounts (placement owns them; the app adapts its
 * store). A PDS in entryway mode keeps none, so admin account views read them here.
 */
export interface AccountInvites {
  forAccount(did: string): Promise<AccountInviteStanding>
}
