export { buildGateway, type Gateway, type GatewayOptions } from './app.js'
export { readEnv, ENV_NAMES, type ServerEnvironment } from './config/env.js'
export { envToCfg, type ServerConfig, type FleetHostSeed } from './config/config.js'
export { envToSecrets, type ServerSecrets } from './config/secrets.js'
