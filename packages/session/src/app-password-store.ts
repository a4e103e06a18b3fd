export interface AppPasswordRecord {
  name: string
  /** The PDS's app-password hash: scrypt with a salt derived from the DID, so it can be looked up. */
  passwordScrypt: string
  privileged: boolean
  createdAt: string
}

export interface AppPasswordStore {
  /** False when the account already has an app password with this name. */
  create(did: string, rec: AppPasswordRecord): Promise<boolean>
  list(did: string): Promise<AppPasswordRecord[]>
  get(did: string, name: string): Promise<AppPasswordRecord | null>
  findByHash(did: string, passwordScrypt: string): Promise<AppPasswordRecord | null>
  /** False when there was none. */
  delete(did: string, name: string): Promise<boolean>
  deleteAll(did: string): Promise<void>
}
