import type { Migration } from 'kysely/migration'
import * as m001 from './001-init.js'
import * as m020 from './020-placement-signup.js'
import * as m025 from './025-account-move.js'
import * as m026 from './026-placement-scale.js'
import * as m027 from './027-signup-gate.js'
import * as m040 from './040-admin-session.js'
import * as m050 from './050-oauth.js'
import * as m060 from './060-admin-oauth-state.js'
import * as m065 from './065-outbox.js'
import * as m066 from './066-worker-lease.js'
import * as m070 from './070-scale-indexes.js'

/**
 * Every migration, by name. Static so compiled `dist/` needs no file-system discovery.
 * Numbering by concern keeps parallel work apart: 01x session, 02x placement, 03x proxy,
 * 04x admin, 05x oauth, 06x reliability, 07x costs at scale.
 */
export const migrations: Record<string, Migration> = {
  '001-init': m001,
  '020-placement-signup': m020,
  '025-account-move': m025,
  '026-placement-scale': m026,
  '027-signup-gate': m027,
  '040-admin-session': m040,
  '050-oauth': m050,
  '060-admin-oauth-state': m060,
  '065-outbox': m065,
  '066-worker-lease': m066,
  '070-scale-indexes': m070,
}
