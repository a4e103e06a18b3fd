// A real PDS origin: com.atproto.repo.getRecord on an @atproto/pds (entryway mode, from the
// testkit fleet), direct vs through the Entryway (the real gateway process, authenticated hot
// path: cached token, cached DID document), side by side in one run. The minimal-origin suite
// (proxy.ts) measures the hop's own cost; this one shows what it adds to a real PDS read.
//   ./dev bench --only=proxy-pds [--quick]
import autocannon from 'autocannon'
import { startFleet } from '../packages/testkit/src/index.js'
import type { BenchOptions, BenchResult } from './types.js'
import { cpuTicks, TICK_US } from './lib/procs.js'

const CONNECTIONS = 10

async function xrpc(
  base: string,
  nsid: string,
  body: unknown,
  token?: string,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/xrpc/${nsid}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${nsid} at ${base}: ${res.status} ${text}`)
  return JSON.parse(text) as Record<string, unknown>
}

export async function run(opts: BenchOptions): Promise<BenchResult[]> {
  const seconds = opts.quick ? 5 : 10
  const rounds = opts.quick ? 1 : 3
  opts.log('starting PLC, one PDS and the gateway (real processes)')
  const fleet = await startFleet({ pdsCount: 1, mail: false })
  try {
    const gw = fleet.gateway!
    const pds = fleet.pds[0]!
    const acct = await xrpc(gw.url, 'com.atproto.server.createAccount', {
      handle: 'benchpds.test',
      email: 'benchpds@bench.test',
      password: 'bench-pw',
    })
    const did = acct.did as string
    const token = acct.accessJwt as string
    const rec = await xrpc(
      gw.url,
      'com.atproto.repo.createRecord',
      {
        repo: did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text: 'bench', createdAt: new Date().toISOString() },
      },
      token,
    )
    const rkey = String(rec.uri).split('/').pop()!
    const path = `/xrpc/com.atproto.repo.getRecord?repo=${encodeURIComponent(did)}&collection=app.bsky.feed.post&rkey=${rkey}`
    const targets = [
      {
        name: 'direct',
        url: pds.url,
        headers: {} as Record<string, string>,
        pid: null as number | null,
      },
      { name: 'entryway', url: gw.url, headers: { authorization: `Bearer ${token}` }, pid: gw.pid },
    ]
    const load = (t: (typeof targets)[number], s: number) =>
      autocannon({
        url: t.url + path,
        headers: t.headers,
        connections: CONNECTIONS,
        pipelining: 1,
        duration: s,
      })
    for (const t of targets) {
      const res = await fetch(t.url + path, { headers: t.headers })
      if (res.status !== 200)
        throw new Error(`${t.name} answered ${res.status}: ${await res.text()}`)
      await load(t, 2)
    }
    const rps: Record<string, number[]> = {}
    const p50: Record<string, number[]> = {}
    const cpu: number[] = []
    const pdsCpu: number[] = []
    for (let r = 0; r < rounds; r++) {
      for (const t of targets) {
        opts.log(`round ${r + 1}/${rounds}: ${t.name} (${seconds} s, ${CONNECTIONS} connections)`)
        const before = t.pid ? cpuTicks(t.pid) : 0
        const pdsBefore = cpuTicks(pds.pid)
        const res = await load(t, seconds)
        const after = t.pid ? cpuTicks(t.pid) : 0
        if (res.errors || res.non2xx)
          opts.log(`${t.name}: ${res.errors} errors, ${res.non2xx} non-2xx`)
        ;(rps[t.name] ??= []).push(res.requests.total / seconds)
        ;(p50[t.name] ??= []).push(res.latency.p50)
        if (t.pid) cpu.push(((after - before) * TICK_US) / res.requests.total)
        else pdsCpu.push(((cpuTicks(pds.pid) - pdsBefore) * TICK_US) / res.requests.total)
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const note = `real PDS getRecord, ${CONNECTIONS} conns, no pipelining, median of ${rounds}`
    const out: BenchResult[] = []
    const row = (name: string, value: number, unit: string, extra: Partial<BenchResult> = {}) =>
      out.push({ suite: 'proxy-pds', name, value, unit, ...extra })
    for (const t of targets) row(`throughput ${t.name}`, med(rps[t.name]!), 'req/s', { note })
    row('throughput entryway / direct', med(rps.entryway!) / med(rps.direct!), '×', {
      note: 'the PDS itself is the bottleneck on 2 shared cores',
    })
    row('CPU per request PDS (direct)', med(pdsCpu), 'µs', {
      note: 'PDS process utime+stime / requests',
    })
    row('CPU per request entryway', med(cpu), 'µs', {
      note: 'gateway process utime+stime / requests (logs at its default level)',
    })
    row('latency p50 direct', med(p50.direct!), 'ms', { note: 'at saturation (closed loop)' })
    row('latency p50 entryway', med(p50.entryway!), 'ms', { note: 'at saturation (closed loop)' })
    return out
  } finally {
    await fleet.stop()
  }
}
