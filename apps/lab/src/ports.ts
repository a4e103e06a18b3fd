import { getFreePort, isPortFree } from '@entryway/testkit'
import type { LabSecrets } from './state.js'

/** Fixed ports for humans; each falls back to a free port when taken. */
export const LAB_PORTS = {
  plc: 2582,
  gateway: 2583,
  pds: 2600,
  mailSmtp: 1025,
  mailHttp: 8025,
} as const

export interface LabPorts {
  plc: number
  gateways: number[]
  pds: number[]
  mailSmtp: number
  mailHttp: number
}

export interface PickPortsOptions {
  pdsCount: number
  gatewayCount: number
  randomPorts: boolean
  /** Accounts survive restarts (Postgres): saved ports must be reused, or DIDs break. */
  persistent: boolean
}

/** Picks every port: the one saved from an earlier start, else the fixed default, else any free one. */
export async function pickPorts(
  secrets: LabSecrets,
  opts: PickPortsOptions,
): Promise<{ ports: LabPorts; moved: string[] }> {
  const moved: string[] = []
  const pick = async (key: string, fixed: number) => {
    const saved = secrets.ports[key]
    if (saved && (await isPortFree(saved)))
      return keep(key, await getFreePort({ preferred: saved }))
    if (saved && opts.persistent) {
      throw new Error(
        `port ${saved} (${key}) is taken; the lab's accounts point at it. Free it, or start over with --reset`,
      )
    }
    const port = await getFreePort(opts.randomPorts ? {} : { preferred: fixed })
    if (saved && port !== saved) moved.push(`${key} ${saved} → ${port}`)
    return keep(key, port)
  }
  const keep = (key: string, port: number) => {
    secrets.ports[key] = port
    return port
  }
  const ports: LabPorts = {
    plc: await pick('plc', LAB_PORTS.plc),
    gateways: [],
    pds: [],
    mailSmtp: await pick('mailSmtp', LAB_PORTS.mailSmtp),
    mailHttp: await pick('mailHttp', LAB_PORTS.mailHttp),
  }
  for (let i = 0; i < opts.gatewayCount; i++)
    ports.gateways.push(await pick(`gateway${i + 1}`, LAB_PORTS.gateway + i))
  for (let i = 0; i < opts.pdsCount; i++)
    ports.pds.push(await pick(`pds${i + 1}`, LAB_PORTS.pds + i))
  return { ports, moved }
}
