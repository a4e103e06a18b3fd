/**
 * A sign-up in flight. The row is written before any external call; its handle and email are
 * unique among live rows (a partial unique index), so of two simultaneous sign-ups for one handle
 * exactly one proceeds. A reconciler finishes or rolls back rows a crash left behind.
 */
export type SignupState =
  | 'pending' // row written, nothing external yet
  | 'key_reserved' // host chosen, signing key reserved, DID and genesis op computed
  | 'pds_created' // the PDS holds the repo (it submitted the op to PLC)
  | 'complete' // account row written
  | 'failed' // rolled back

export const LIVE_SIGNUP_STATES: readonly SignupState[] = ['pending', 'key_reserved', 'pds_created']

export interface SignupRecord {
  id: string
  handle: string
  email: string
  /** Keyed hash of the request's fields: a retried identical request is recognised by it. */
  requestKey: string
  /** The account's password hash, so the reconciler can complete the account without the request. */
  passwordScrypt: string
  inviteCode: string | null
  did: string | null
  hostId: number | null
  signingKey: string | null
  /** The signed genesis operation (JSON). */
  plcOp: string | null
  state: SignupState
  error: string | null
  createdAt: string
  updatedAt: string
}

export type NewSignup = Pick<
  SignupRecord,
  'id' | 'handle' | 'email' | 'requestKey' | 'passwordScrypt' | 'inviteCode'
>

export type SignupPatch = Partial<
  Pick<SignupRecord, 'did' | 'hostId' | 'signingKey' | 'plcOp' | 'error' | 'passwordScrypt'>
> & { state: SignupState }

export type BeginResult =
  | { ok: true }
  /** Taken by an account, or by another live sign-up (`live` is that row). */
  | { ok: false; conflict: 'handle' | 'email'; live: SignupRecord | null }

export type CompleteResult = 'ok' | 'handle_taken' | 'email_taken' | 'invite_unavailable' | 'stale'

export interface NewAccount {
  did: string
  handle: string
  email: string
  passwordScrypt: string
  hostId: number
}

export interface SignupStore {
  /** Inserts the pending row unless an account or a live sign-up holds the handle or email. */
  begin(s: NewSignup): Promise<BeginResult>
  get(id: string): Promise<SignupRecord | null>
  /** The newest row with this request key. */
  findByRequestKey(requestKey: string): Promise<SignupRecord | null>
  /** Moves a row on only if it is still in `from` (so a request and the reconciler never both act). */
  advance(id: string, from: SignupState, patch: SignupPatch): Promise<boolean>
  /**
   * One transaction: insert the account, record the invite use (when `inviteCode`, checking it
   * still has a use left and is not disabled) and mark the row complete.
   */
  complete(
    id: string,
    from: SignupState,
    account: NewAccount,
    inviteCode: string | null,
  ): Promise<CompleteResult>
  /** Live rows not updated since `before` (ISO time), oldest first. */
  listStale(before: string, limit: number): Promise<SignupRecord[]>
}
