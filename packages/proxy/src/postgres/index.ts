// The proxy plugin's lookups on the Entryway database (`@entryway/db`, Postgres or PGlite).
export { KyselyAccountRoutes } from './proxy-account-routes.js'
export { KyselyHostDirectory } from './proxy-host-directory.js'
