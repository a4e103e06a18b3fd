/** A code the sign-up gate issued after a passed captcha; single use, bound to a handle. */
export interface SignupGateCode {
  /** sha256 of the code, hex: the code itself is never stored. */
  codeHash: string
  /** The handle it was issued for, lower-cased. */
  handle: string
  /** The client's `state` it was issued with. */
  state: string
  /** ISO 8601. */
  expiresAt: string
}

export const tableName = 'signup_gate_code'
export type PartialDB = { [tableName]: SignupGateCode }
