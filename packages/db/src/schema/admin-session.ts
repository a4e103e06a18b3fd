/** A signed-in admin portal member; the browser holds only the signed id. */
export interface AdminSession {
  id: string
  did: string
  csrfToken: string
  createdAt: string
  expiresAt: string
}

export const tableName = 'admin_session'
export type PartialDB = { [tableName]: AdminSession }
