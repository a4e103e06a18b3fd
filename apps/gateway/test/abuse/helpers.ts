import type { Test } from 'tap'
import { request } from 'node:http'
import { testDatabaseTargets } from '@entryway/db'
import { seedAccounts, startInProcessGateway, type SeedUser } from '../in-process-gateway.js'

// Shared set-up of the abuse suite: a whole gateway in-process on its own database (PGlite, or
// Postgres with TEST_DATABASE_URL), listening on loopback. Loopback is a trusted proxy by default,
// so a test plays many clients by sending `x-forwarded-for`.

export const [DB_TARGET] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

type Tap = Pick<Test, 'teardown' | 'equal'>

export interface AbuseGateway {
  url: string
  gw: Awaited<ReturnType<typeof startInProcessGateway>>['gw']
  /** POST an XRPC procedure from client address `ip`; `auth` is an Authorization value. */
  post(
    nsid: string,
    body: unknown,
    opts?: { ip?: string; auth?: string },
  ): Promise<{ status: number; body: any }>
  get(
    nsid: string,
    opts?: { ip?: string; auth?: string; query?: string },
  ): Promise<{ status: number; body: any }>
}

export async function abuseGateway(
  t: Tap,
  users: readonly SeedUser[] = [],
  env: Record<string, string> = {},
): Promise<AbuseGateway> {
  const database = await DB_TARGET!.open()
  t.teardown(() => database.close())
  await seedAccounts(database, users)
  const { gw, url } = await startInProcessGateway(t, database, env)
  const call = async (
    method: 'GET' | 'POST',
    nsid: string,
    body: unknown,
    opts: { ip?: string; auth?: string; query?: string } = {},
  ) => {
    const headers: Record<string, string> = {}
    if (method === 'POST') headers['content-type'] = 'application/json'
    if (opts.ip) headers['x-forwarded-for'] = opts.ip
    if (opts.auth) headers.authorization = opts.auth
    const res = await fetch(`${url}/xrpc/${nsid}${opts.query ? `?${opts.query}` : ''}`, {
      method,
      headers,
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as any }
  }
  return {
    url,
    gw,
    post: (nsid, body, opts) => call('POST', nsid, body, opts),
    get: (nsid, opts) => call('GET', nsid, undefined, opts),
  }
}

/** `n` sequential calls; their statuses. */
export async function repeat(
  n: number,
  fn: (i: number) => Promise<{ status: number }>,
): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await fn(i)).status)
  return out
}

export const basic = (password: string) =>
  `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`

type Json = Record<string, any>
/** An XRPC call over node:http, which can choose the local address it connects from. */
export async function xrpc(
  base: string,
  nsid: string,
  o: { body?: unknown; auth?: string; xff?: string; localAddress?: string } = {},
): Promise<{ status: number; body: Json }> {
  const url = new URL(`/xrpc/${nsid}`, base)
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body)
  const headers: Record<string, string> = {}
  if (payload) headers['content-type'] = 'application/json'
  if (o.auth) headers.authorization = o.auth
  if (o.xff) headers['x-forwarded-for'] = o.xff
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: payload ? 'POST' : 'GET',
        headers,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }),
        )
      },
    )
    req.on('error', reject)
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')))
    req.end(payload)
  })
}
