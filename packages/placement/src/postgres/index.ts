// The placement plugin's stores on the Entryway database (`@entryway/db`, Postgres or PGlite).
export { KyselyHostRegistry } from './host-registry-store.js'
export { KyselyInviteStore } from './invite-store.js'
export { KyselyAccountDirectory } from './placement-account-directory.js'
export { KyselySignupStore } from './placement-signup-store.js'
export { KyselyGateCodeStore } from './gate-code-store.js'
export { KyselyWorkerLeases } from './worker-lease-store.js'
export { KyselyMoveJobStore } from './move-job-store.js'
