import type { Generated } from 'kysely'

/** Append-only; each row's `hash` covers its content and the previous row's hash (a chain). */
export interface AdminAudit {
  id: Generated<number>
  at: string
  actorDid: string
  nsid: string
  target: string | null
  hostId: number | null
  allowed: boolean
  resultStatus: number | null
  detail: string | null
  prevHash: string
  hash: string
}

export const tableName = 'admin_audit'
export type PartialDB = { [tableName]: AdminAudit }
