export interface InviteCode {
  code: string
  availableUses: number
  disabled: boolean
  /** The account it was created for, or `admin`. */
  forAccount: string
  createdBy: string
  createdAt: string
}

export interface InviteCodeUse {
  code: string
  usedBy: string
  usedAt: string
}

export const tableName = 'invite_code'
export const useTableName = 'invite_code_use'
export type PartialDB = { [tableName]: InviteCode; [useTableName]: InviteCodeUse }
