import { readFileSync } from 'node:fs'
import t from 'tap'
import { isPortFree, startFleet, type Fleet } from '../src/index.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test(
  'PLC + 2 PDSes in entryway mode + mail sink + gateway: healthy, then nothing left',
  async (t) => {
    const deaths: string[] = []
    const fleet: Fleet = await startFleet({
      pdsCount: 2,
      onUnexpectedExit: (i) => deaths.push(i.name),
    })
    let stopped = false
    t.teardown(() => (stopped ? undefined : fleet.stop()))

    const health = async (url: string) => (await fetch(url)).status
    t.equal(await health(`${fleet.plc.url}/_health`), 200, 'plc')
    for (const p of fleet.pds) t.equal(await health(`${p.url}/xrpc/_health`), 200, p.url)
    t.equal(await health(`${fleet.gateway!.url}/xrpc/_health`), 200, 'gateway')
    t.equal(await health(`${fleet.mail!.httpUrl}/_health`), 200, 'mail sink')

    t.equal(fleet.pds.length, 2)
    t.not(fleet.pds[0]!.did, fleet.pds[1]!.did, 'each PDS has its own service DID')
    t.same(
      fleet.fleetHosts,
      fleet.pds.map((p) => ({ url: p.url, did: p.did })),
    )
    t.equal(fleet.entryway.url, fleet.gateway!.url)
    t.match(fleet.entryway.did, /^did:web:localhost%3A\d+$/)

    for (const p of fleet.pds) {
      const desc = (await (
        await fetch(`${p.url}/xrpc/com.atproto.server.describeServer`)
      ).json()) as { did: string; availableUserDomains: string[] }
      t.same(desc, { ...desc, did: p.did, availableUserDomains: ['.test'] })
      const started = JSON.parse(readFileSync(p.logFile, 'utf8').split('\n')[0]!) as Record<
        string,
        unknown
      >
      t.match(
        started,
        {
          msg: 'pds started',
          entryway: { url: fleet.entryway.url, did: fleet.entryway.did },
          appView: fleet.entryway.url,
          node: 'v22.23.3',
        },
        'started in entryway mode on the pinned Node',
      )
      // in entryway mode the PDS hands session creation to the Entryway
      const res = await fetch(`${p.url}/xrpc/com.atproto.server.createSession`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier: 'nobody.test', password: 'x' }),
      })
      t.not(res.status, 200)
      await res.arrayBuffer()
    }

    const pids = [fleet.plc.pid, ...fleet.pds.map((p) => p.pid), fleet.gateway!.pid]
    const ports = [
      fleet.plc.port,
      ...fleet.pds.map((p) => p.port),
      fleet.gateway!.port,
      fleet.mail!.smtpPort,
      fleet.mail!.httpPort,
    ]
    await fleet.stop()
    stopped = true
    for (const pid of pids) t.notOk(alive(pid), `pid ${pid} is gone`)
    for (const port of ports) t.ok(await isPortFree(port), `port ${port} is free`)
    t.same(deaths, [], 'no process died on its own')
  },
)
