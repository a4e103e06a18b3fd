// The session plugin's stores on the Entryway database (`@entryway/db`, Postgres or PGlite).
export { KyselyAccountStore } from './account-store.js'
export { KyselyRefreshTokenStore } from './refresh-token-store.js'
export { KyselyAppPasswordStore } from './session-app-password-store.js'
export { KyselyEmailTokenStore } from './session-email-token-store.js'
export { KyselyOutboxStore } from './outbox-store.js'
