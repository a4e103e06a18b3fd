export type EmailTokenPurpose =
  | 'confirm_email'
  | 'update_email'
  | 'reset_password'
  | 'delete_account'
  | 'plc_operation'
  | 'two_factor'

export interface EmailTokenRecord {
  did: string
  purpose: EmailTokenPurpose
  token: string
  requestedAt: string
}

/** One live token per (did, purpose): putting a new one replaces the old. */
export interface EmailTokenStore {
  put(rec: EmailTokenRecord): Promise<void>
  /** The token for (did, purpose) if it matches, without using it up. */
  find(did: string, purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRecord | null>
  /** Atomically deletes and returns the matching token: a token works once. */
  consume(did: string, purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRecord | null>
  /** As `find`, for flows that only know the token (password reset): checked before any costly work. */
  findByToken(purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRecord | null>
  /** As `consume`, for flows that only know the token (password reset). */
  consumeByToken(purpose: EmailTokenPurpose, token: string): Promise<EmailTokenRecord | null>
  delete(did: string, purpose: EmailTokenPurpose): Promise<void>
  deleteAll(did: string): Promise<void>
}
