/**
 * Methods the Entryway is the authority for: sessions, account, email, app
 * passwords, invites, handles, PLC signing, admin. A PDS in entryway mode forwards these to us, so
 * forwarding them to a PDS would loop. A trailing `.*` covers a whole namespace.
 */
export const ENTRYWAY_OWNED_NSIDS: readonly string[] = [
  'com.atproto.server.createAccount',
  'com.atproto.server.createSession',
  'com.atproto.server.refreshSession',
  'com.atproto.server.deleteSession',
  'com.atproto.server.getSession',
  'com.atproto.server.describeServer',
  'com.atproto.server.createAppPassword',
  'com.atproto.server.listAppPasswords',
  'com.atproto.server.revokeAppPassword',
  'com.atproto.server.getAccountInviteCodes',
  'com.atproto.server.createInviteCode',
  'com.atproto.server.createInviteCodes',
  'com.atproto.server.requestAccountDelete',
  'com.atproto.server.deleteAccount',
  'com.atproto.server.requestPasswordReset',
  'com.atproto.server.resetPassword',
  'com.atproto.server.requestEmailConfirmation',
  'com.atproto.server.confirmEmail',
  'com.atproto.server.requestEmailUpdate',
  'com.atproto.server.updateEmail',
  'com.atproto.server.activateAccount',
  'com.atproto.server.deactivateAccount',
  // account creation is the Entryway's; an unauthenticated key reservation on a random PDS is only litter
  'com.atproto.server.reserveSigningKey',
  'com.atproto.identity.updateHandle',
  'com.atproto.identity.resolveHandle',
  'com.atproto.identity.requestPlcOperationSignature',
  'com.atproto.identity.signPlcOperation',
  'com.atproto.temp.checkSignupQueue',
  'com.atproto.temp.dereferenceScope',
  'com.atproto.admin.*',
]

/** Exact names plus `prefix.*` namespaces, checked with one Set lookup per dot. */
export class NsidMatcher {
  private readonly exact = new Set<string>()
  private readonly prefixes = new Set<string>()

  constructor(nsids: Iterable<string>) {
    for (const n of nsids) {
      if (n.endsWith('.*')) this.prefixes.add(n.slice(0, -1))
      else this.exact.add(n)
    }
  }

  has(nsid: string): boolean {
    if (this.exact.has(nsid)) return true
    if (this.prefixes.size === 0) return false
    for (let i = nsid.indexOf('.'); i >= 0; i = nsid.indexOf('.', i + 1)) {
      if (this.prefixes.has(nsid.slice(0, i + 1))) return true
    }
    return false
  }
}
