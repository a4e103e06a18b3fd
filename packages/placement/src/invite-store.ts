export interface InviteCodeUse {
  usedBy: string
  usedAt: string
}

export interface InviteCodeRecord {
  code: string
  availableUses: number
  disabled: boolean
  /** The account it was made for, or `admin`. */
  forAccount: string
  createdBy: string
  createdAt: string
  uses: InviteCodeUse[]
}

export type NewInviteCode = Pick<
  InviteCodeRecord,
  'code' | 'availableUses' | 'forAccount' | 'createdBy'
>

export interface InvitePage {
  codes: InviteCodeRecord[]
  cursor?: string
}

/** The Entryway's invite codes (a PDS in entryway mode refuses to manage them). Uses are recorded by `SignupStore.complete`. */
export interface InviteStore {
  createCodes(codes: NewInviteCode[]): Promise<void>
  getCode(code: string): Promise<InviteCodeRecord | null>
  listForAccount(did: string, opts: { includeUsed: boolean }): Promise<InviteCodeRecord[]>
  /** `recent`: newest first; `usage`: most used first. `cursor` is opaque. */
  listCodes(opts: { sort: 'recent' | 'usage'; limit: number; cursor?: string }): Promise<InvitePage>
  disableCodes(opts: { codes: string[]; accounts: string[] }): Promise<void>
}

export function inviteAvailable(c: InviteCodeRecord): boolean {
  return !c.disabled && c.uses.length < c.availableUses
}
