// The admin portal's stores on the Entryway database (`@entryway/db`, Postgres or PGlite).
export { KyselyAuditLog } from './admin-audit.js'
export { KyselyFleetDirectory } from './admin-fleet.js'
export { KyselyAdminOAuthStateStore } from './admin-oauth-state.js'
export { KyselyAdminSessionStore } from './admin-session.js'
