export { ensurePdsRuntime, type PdsRuntime, type EnsurePdsRuntimeOptions } from './pds-runtime.js'
export { startPlc, type PlcHandle, type StartPlcOptions } from './plc.js'
export {
  startPds,
  pdsEnv,
  localDidWeb,
  type PdsHandle,
  type StartPdsOptions,
  type EntrywayIdentity,
} from './pds.js'
export {
  startGateway,
  GATEWAY_ENTRY,
  GATEWAY_BUILT_ENTRY,
  GATEWAY_BUNDLE_ENTRY,
  type GatewayHandle,
  type StartGatewayOptions,
} from './gateway.js'
export {
  startMailSink,
  type MailSink,
  type SinkMessage,
  type StartMailSinkOptions,
} from './mail-sink.js'
export {
  spawnMailSink,
  MAIL_SINK_ENTRY,
  type MailSinkProcess,
  type SpawnMailSinkOptions,
} from './mail-sink-process.js'
export { mailbox, type Mailbox, type WaitForMailOptions } from './mailbox.js'
export { startFleet, DEFAULT_HANDLE_DOMAINS, type Fleet, type StartFleetOptions } from './fleet.js'
export {
  generateK256Key,
  k256KeyFromHex,
  generateEntrywayKeys,
  randomSecret,
  type K256Key,
  type EntrywayKeys,
} from './keys.js'
export { getFreePort, isPortFree, PORT_RESERVATION_MS, type GetFreePortOptions } from './ports.js'
export {
  spawnService,
  waitForHealth,
  liveServicePids,
  WATCH_PARENT_IMPORT,
  type ServiceProcess,
  type SpawnServiceOptions,
  type ExitInfo,
} from './process.js'
export { withFileLock } from './file-lock.js'
export {
  REPO_ROOT,
  PINNED_NODE_VERSION,
  DEFAULT_PDS_RUNTIME_DIR,
  PDS_RUNTIME_SOURCE_DIR,
  pinnedNodePath,
} from './paths.js'
