export { buildGateway, type Gateway, type GatewayOptions } from './app.js'
export { readEnv, parseEnv, ENV_NAMES, ENV_TABLE, type ServerEnvironment } from './config/env.js'
export { envToCfg, type ServerConfig, type FleetHostSeed } from './config/config.js'
export { envToSecrets, type ServerSecrets } from './config/secrets.js'
export { loadConfig } from './config/load-config.js'
export { ConfigProblemsError, formatProblem, type ConfigProblem } from './config/problems.js'
export {
  generateDeploymentKeys,
  deploymentEnvText,
  generateK256,
  randomSecret,
  type DeploymentKeys,
  type K256KeyForms,
} from './config/keys.js'
