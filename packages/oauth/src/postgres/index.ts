// The OAuth plugin's stores on the Entryway database (`@entryway/db`, Postgres or PGlite).
export {
  createKyselyOAuthStores,
  KyselyOAuthAuthorizedClientStore,
  KyselyOAuthLexiconStore,
  KyselyOAuthReplayStore,
  KyselyOAuthScopeRefStore,
} from './oauth-stores.js'
export { KyselyOAuthDeviceAccountStore, KyselyOAuthDeviceStore } from './oauth-device-store.js'
export { KyselyOAuthRequestStore } from './oauth-request-store.js'
export { KyselyOAuthTokenStore } from './oauth-token-store.js'
