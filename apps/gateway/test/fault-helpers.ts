import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

/** What a sign-up or login answers (the fields the fault tests use). */
export interface Session {
  did: string
  handle: string
  accessJwt: string
  refreshJwt: string
}

export interface XrpcCall {
  method?: 'GET' | 'POST'
  query?: Record<string, string>
  body?: unknown
  token?: string
  /** Abort after this long (a hang is a failure, never a stuck test). @default 15000 */
  timeoutMs?: number
}

export interface XrpcAnswer {
  status: number
  body: Record<string, unknown> | null
  ms: number
}

/** One XRPC call over real HTTP; network failures come back as status 0 (never thrown). */
export async function xrpc(base: string, nsid: string, call: XrpcCall = {}): Promise<XrpcAnswer> {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (call.token) headers.authorization = `Bearer ${call.token}`
  if (call.body !== undefined) headers['content-type'] = 'application/json'
  const started = performance.now()
  try {
    const res = await fetch(url, {
      method: call.method ?? (call.body !== undefined ? 'POST' : 'GET'),
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutMs ?? 15_000),
    })
    const text = await res.text()
    let body: Record<string, unknown> | null = null
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      body = null
    }
    return { status: res.status, body, ms: performance.now() - started }
  } catch (err) {
    return {
      status: 0,
      body: { error: String((err as Error).name), message: String((err as Error).message) },
      ms: performance.now() - started,
    }
  }
}

/** Signs up through the Entryway; throws with the answer when it is not a 200. */
export async function signUp(base: string, prefix: string, i: number): Promise<Session> {
  const handle = `${prefix}${Date.now().toString(36)}${i}.test`
  const res = await xrpc(base, 'com.atproto.server.createAccount', {
    body: { handle, email: `${handle.replace(/\./g, '-')}@mail.test`, password: `pw-${handle}` },
    timeoutMs: 60_000,
  })
  if (res.status !== 200)
    throw new Error(`sign-up ${handle}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as unknown as Session
}

/** The `#atproto_pds` endpoint of a DID, read straight from PLC. */
export async function pdsOf(plcUrl: string, did: string): Promise<string> {
  const doc = (await (await fetch(`${plcUrl}/${encodeURIComponent(did)}`)).json()) as {
    service?: { id: string; serviceEndpoint: string }[]
  }
  const svc = doc.service?.find((s) => s.id === '#atproto_pds')
  if (!svc) throw new Error(`${did}: no #atproto_pds`)
  return new URL(svc.serviceEndpoint).origin
}

/**
 * TCP sockets that process `pid` holds open to `remotePort` (any state but TIME_WAIT and LISTEN):
 * its socket fds matched against /proc/<pid>/net/tcp{,6}.
 */
export function socketsTo(pid: number, remotePort: number): number {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1]!)
    } catch {
      // the fd closed while we listed them
    }
  }
  let n = 0
  for (const table of ['tcp', 'tcp6']) {
    let text: string
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 10) continue
      const port = Number.parseInt(f[2]!.split(':')[1]!, 16)
      const state = f[3]
      if (port === remotePort && state !== '06' && state !== '0A' && inodes.has(f[9]!)) n++
    }
  }
  return n
}

/** Polls `check` every 100 ms until it is true or `timeoutMs` passes; returns the time it took or -1. */
export async function within(
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
): Promise<number> {
  const started = Date.now()
  for (;;) {
    if (await check()) return Date.now() - started
    if (Date.now() - started > timeoutMs) return -1
    await new Promise((r) => setTimeout(r, 100))
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * A closed-loop load round: `total` requests made by `concurrency` workers; returns req/s and the
 * statuses seen. A fixed count (not a fixed time) so a round compares like with like.
 */
export async function round(
  total: number,
  concurrency: number,
  once: () => Promise<number>,
): Promise<{ rps: number; statuses: Map<number, number> }> {
  let next = 0
  const statuses = new Map<number, number>()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const s = await once()
        statuses.set(s, (statuses.get(s) ?? 0) + 1)
      }
    }),
  )
  return { rps: total / ((performance.now() - started) / 1000), statuses }
}
