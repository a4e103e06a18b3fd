import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  DEFAULT_HANDLE_DOMAINS,
  ensurePdsRuntime,
  localDidWeb,
  spawnMailSink,
  startGateway,
  startPds,
  startPlc,
  type ExitInfo,
} from '@entryway/testkit'
import type { LabOptions } from './args.js'
import { pickPorts } from './ports.js'
import {
  GATEWAY_SCHEMA,
  dropLabDatabases,
  prepareLabDatabases,
  withSearchPath,
} from './postgres.js'
import { entrywayKeys, loadOrCreateSecrets, saveSecrets } from './state.js'
import { OPERATOR_NAME, ensureOperator, writeLabRbac, type LabOperator } from './admin-portal.js'

export const LAB_FILE = 'lab.json'

/** `.lab/lab.json`: what scripts need to drive the lab. */
export interface LabInfo {
  entryway: { url: string; did: string; urls: string[] }
  plc: { url: string; storage: 'memory' | 'postgres' }
  pds: { url: string; did: string }[]
  mail: { url: string; smtpUrl: string }
  adminPassword: string
  /** The admin portal, on by default, and the operator account the lab made `pds-admin`. */
  admin: { url: string; rbacFile: string; operator: LabOperator }
  handleDomain: string
  dir: string
  persistent: boolean
  processes: { name: string; pid: number; ports: number[]; log: string }[]
  startedAt: string
}

export interface ChildDeath extends ExitInfo {
  name: string
  logTail: string
}

export interface Lab {
  info: LabInfo
  /** Resolves when a child dies on its own (the lab should then stop and exit non-zero). */
  died: Promise<ChildDeath>
  /** Stops every child, newest first; safe to call twice. */
  stop(): Promise<void>
}

interface Stoppable {
  stop(): Promise<void>
}

/** Starts PLC, N PDSes, the mail sink and the gateway(s), each its own process. */
export async function startLab(opts: LabOptions, say: (line: string) => void): Promise<Lab> {
  const persistent = opts.databaseUrl !== null
  if (opts.reset) {
    say(`resetting ${opts.dir}`)
    rmSync(opts.dir, { recursive: true, force: true })
    if (opts.databaseUrl) await dropLabDatabases(opts.databaseUrl)
  }
  const { secrets, created } = await loadOrCreateSecrets(opts.dir, opts.pdsCount)
  say(`lab folder ${opts.dir} (${created ? 'new keys generated' : 'keys reused'}; secrets.json)`)
  const dataDir = join(opts.dir, 'data')
  const logDir = join(opts.dir, 'logs')
  if (!persistent) {
    // PLC is in memory: DIDs from an earlier run are gone, so their repos and accounts go too
    rmSync(dataDir, { recursive: true, force: true })
  }
  mkdirSync(dataDir, { recursive: true })
  mkdirSync(logDir, { recursive: true })
  rmSync(join(opts.dir, LAB_FILE), { force: true })

  say('checking the PDS runtime (@atproto/pds 0.5.35 on Node 22.23.3)…')
  await ensurePdsRuntime({ onProgress: (line) => say(line) })
  say('PDS runtime ready')

  const { ports, moved } = await pickPorts(secrets, {
    pdsCount: opts.pdsCount,
    gatewayCount: opts.gatewayCount,
    randomPorts: opts.randomPorts,
    persistent,
  })
  saveSecrets(opts.dir, secrets)
  for (const m of moved) say(`port moved (the old one is taken): ${m}`)

  const keys = await entrywayKeys(secrets)
  const handleDomains = DEFAULT_HANDLE_DOMAINS
  const gatewayUrl = `http://localhost:${ports.gateways[0]}`
  const entryway = {
    url: gatewayUrl,
    did: localDidWeb(ports.gateways[0]!),
    jwtPublicKeyHex: keys.jwt.publicKeyHex,
    plcRotationKeyDid: keys.plcRotation.did,
  }

  const started: Stoppable[] = []
  const processes: LabInfo['processes'] = []
  let reportDeath!: (d: ChildDeath) => void
  const died = new Promise<ChildDeath>((r) => (reportDeath = r))
  const onUnexpectedExit = (d: ChildDeath) => reportDeath(d)
  let stopping: Promise<void> | null = null
  const stop = () => {
    stopping ??= (async () => {
      for (const s of [...started].reverse()) await s.stop().catch(() => {})
    })()
    return stopping
  }

  try {
    const plcDb = opts.databaseUrl ? await prepareLabDatabases(opts.databaseUrl) : null
    say(
      `starting plc on :${ports.plc} (${plcDb ? `Postgres database ${plcDb.plcDatabase}` : 'in memory'}) and the mail sink…`,
    )
    const [plc, mail] = await Promise.all([
      startPlc({
        port: ports.plc,
        databaseUrl: plcDb?.plcUrl,
        logDir,
        onUnexpectedExit,
      }).then((p) => (started.push(p), p)),
      spawnMailSink({
        smtpPort: ports.mailSmtp,
        httpPort: ports.mailHttp,
        logDir,
        onUnexpectedExit,
      }).then((m) => (started.push(m), m)),
    ])
    processes.push({ name: 'plc', pid: plc.pid, ports: [plc.port], log: plc.logFile })
    processes.push({
      name: 'mail sink',
      pid: mail.pid,
      ports: [mail.smtpPort, mail.httpPort],
      log: mail.logFile,
    })
    say(`✓ plc        ${plc.url}`)
    say(`✓ mail sink  ${mail.httpUrl}  (SMTP ${mail.smtpUrl})`)

    say(`starting ${opts.pdsCount} PDS${opts.pdsCount > 1 ? 'es' : ''} in entryway mode…`)
    const pds = await Promise.all(
      ports.pds.map(async (port, i) => {
        const pdsDir = join(dataDir, `pds${i + 1}`)
        mkdirSync(pdsDir, { recursive: true })
        const p = await startPds({
          name: `pds ${i + 1}`,
          port,
          dataDir: pdsDir,
          plcUrl: plc.url,
          entryway,
          adminPassword: secrets.adminPassword,
          handleDomains,
          jwtSecret: secrets.pds[i]!.jwtSecret,
          plcRotationKeyHex: secrets.pds[i]!.plcRotationKeyHex,
          // PDSes resolve handles through the Entryway (no DNS for .test on loopback)
          env: { PDS_BSKY_APP_VIEW_URL: entryway.url, PDS_BSKY_APP_VIEW_DID: entryway.did },
          onUnexpectedExit,
        })
        started.push(p)
        processes.push({ name: `pds ${i + 1}`, pid: p.pid, ports: [p.port], log: p.logFile })
        say(`✓ pds ${i + 1}      ${p.url}  ${p.did}`)
        return p
      }),
    )

    const gatewayDataDir = join(dataDir, 'gateway')
    mkdirSync(gatewayDataDir, { recursive: true })
    // the admin portal is on: members are filled in once the operator account exists
    const rbacFile = join(opts.dir, 'rbac.yaml')
    writeLabRbac(rbacFile, null)
    const gatewayEnv: Record<string, string> = {
      ENTRYWAY_PUBLIC_URL: entryway.url,
      ENTRYWAY_DID: entryway.did,
      ENTRYWAY_HANDLE_DOMAINS: handleDomains.join(','),
      ENTRYWAY_DATA_DIR: gatewayDataDir,
      ENTRYWAY_PLC_URL: plc.url,
      ENTRYWAY_JWT_SIGNING_KEY_HEX: keys.jwt.privateKeyHex,
      ENTRYWAY_PLC_ROTATION_KEY_HEX: keys.plcRotation.privateKeyHex,
      ENTRYWAY_PDS_ADMIN_PASSWORD: secrets.adminPassword,
      ENTRYWAY_FLEET_HOSTS: JSON.stringify(pds.map((p) => ({ url: p.url, did: p.did }))),
      ENTRYWAY_SMTP_URL: mail.smtpUrl,
      ENTRYWAY_EMAIL_FROM: 'noreply@entryway.test',
      ENTRYWAY_ADMIN_RBAC_FILE: rbacFile,
      ...(opts.databaseUrl
        ? { DATABASE_URL: withSearchPath(opts.databaseUrl, GATEWAY_SCHEMA) }
        : {}),
      ...(opts.redisUrl ? { ENTRYWAY_REDIS_URL: opts.redisUrl } : {}),
    }
    const gateways = []
    for (let i = 0; i < opts.gatewayCount; i++) {
      say(`starting gateway ${i + 1} on :${ports.gateways[i]}…`)
      const dir = i === 0 ? gatewayDataDir : join(dataDir, `gateway${i + 1}`)
      mkdirSync(dir, { recursive: true })
      const start = () =>
        startGateway({
          name: `gateway ${i + 1}`,
          port: ports.gateways[i]!,
          env: gatewayEnv,
          logDir: dir,
          onUnexpectedExit,
        })
      // @NOTE one retry: on a loaded machine the gateway's first Postgres connection can time out
      const g = await start().catch((err: Error) => {
        say(`gateway ${i + 1} failed to start (${err.message.split('\n')[0]}); trying once more…`)
        return start()
      })
      started.push(g)
      gateways.push(g)
      processes.push({ name: `gateway ${i + 1}`, pid: g.pid, ports: [g.port], log: g.logFile })
      say(`✓ gateway ${i + 1}  http://localhost:${g.port}`)
    }

    const operatorHandle = `${OPERATOR_NAME}${handleDomains[0]}`
    const operator = await ensureOperator(
      entryway.url,
      operatorHandle,
      `operator-${secrets.adminPassword}`,
    )
    writeLabRbac(rbacFile, operator.did)
    say(`✓ operator   ${operator.handle}  ${operator.did}  (pds-admin in ${rbacFile})`)

    const info: LabInfo = {
      entryway: {
        url: entryway.url,
        did: entryway.did,
        urls: gateways.map((g) => `http://localhost:${g.port}`),
      },
      plc: { url: plc.url, storage: persistent ? 'postgres' : 'memory' },
      pds: pds.map((p) => ({ url: p.url, did: p.did })),
      mail: { url: mail.httpUrl, smtpUrl: mail.smtpUrl },
      adminPassword: secrets.adminPassword,
      admin: { url: `${entryway.url}/admin`, rbacFile, operator },
      handleDomain: handleDomains[0]!,
      dir: opts.dir,
      persistent,
      processes,
      startedAt: new Date().toISOString(),
    }
    writeFileSync(join(opts.dir, LAB_FILE), JSON.stringify(info, null, 2) + '\n', { mode: 0o600 })
    return {
      info,
      died,
      stop: async () => {
        await stop()
        rmSync(join(opts.dir, LAB_FILE), { force: true })
      },
    }
  } catch (err) {
    await stop()
    throw err
  }
}
