/** An account of the fleet, as the authorization server shows and mints tokens for it. */
export interface OAuthAccount {
  did: string
  handle: string | null
  email: string | null
  emailConfirmed: boolean
  /** Service DID of the PDS hosting the account: the `aud` of its access tokens. */
  pdsDid: string
  deactivated: boolean
}

export type OAuthAuthenticateResult =
  | { ok: true; account: OAuthAccount }
  /** Unknown identifier or wrong password. `did` is set when the identifier matched an account. */
  | { ok: false; reason: 'invalid-credentials'; did?: string }
  | { ok: false; reason: 'takendown'; did: string }
  /** Too many sign-in attempts from this address, or on this account from this address. */
  | { ok: false; reason: 'rate-limited' }
  /** Password right, email 2FA on: a code was mailed; `hint` is the masked address. */
  | { ok: false; reason: 'email-otp-required'; did: string; hint: string }
  | { ok: false; reason: 'email-otp-invalid'; did: string; hint: string }
  /** Password right, email 2FA on, and the service has no mail server: the code cannot be sent. */
  | { ok: false; reason: 'email-otp-unavailable'; did: string }

/**
 * The Entryway's accounts as the OAuth server needs them. The gateway adapts its session and
 * placement stores to this, so the package depends on nothing but these two calls.
 */
export interface OAuthAccountBackend {
  /**
   * Checks the account password (never an app password) and, when the account has email 2FA on,
   * the emailed code: without `emailOtp` it sends one and answers `email-otp-required`. `ip` is the
   * client's address, for the sign-in limits.
   */
  authenticate(input: {
    identifier: string
    password: string
    emailOtp?: string
    ip: string
  }): Promise<OAuthAuthenticateResult>
  /** `null` for unknown, deleted or taken-down accounts: their OAuth sessions then stop working. */
  getAccount(did: string): Promise<OAuthAccount | null>
}
