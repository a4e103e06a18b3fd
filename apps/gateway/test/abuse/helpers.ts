import { testDatabaseTargets } from '@entryway/db'
import { seedAccounts, startInProcessGateway, type SeedUser } from '../in-process-gateway.js'

// Shared set-up of the abuse suite: a whole gateway in-process on its own database (PGlite, or
// Postgres with TEST_DATABASE_URL), listening on loopback. Loopback is a trusted proxy by default,
// so a test plays many clients by sending `x-forwarded-for`.

export const [DB_TARGET] = testDatabaseTargets(process.env.TEST_DATABASE_URL)

interface Tap {
  teardown(fn: () => unknown): void
  equal(a: unknown, b: unknown, msg?: string): void
}

export interface AbuseGateway {
  url: string
  gw: Awaited<ReturnType<typeof startInProcessGateway>>['gw']
  /** POST an XRPC procedure from client address `ip`; `auth` is an Authorization value. */
  post(nsid: string, body: unknown, opts?: { ip?: string; auth?: string }): Promise<{ status: number; body: any }>
  get(nsid: string, opts?: { ip?: string; auth?: string; query?: string }): Promise<{ status: number; body: any }>
}

export async function abuseGateway(t: Tap, users: readonly SeedUser[] = [], env: Record<string, string> = {}): Promise<AbuseGateway> {
  const database = await DB_TARGET!.open()
  t.teardown(() => database.close())
  await seedAccounts(database, users)
  const { gw, url } = await startInProcessGateway(t, database, env)
  const call = async (method: 'GET' | 'POST', nsid: string, body: unknown, opts: { ip?: string; auth?: string; query?: string } = {}) => {
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
export async function repeat(n: number, fn: (i: number) => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await fn(i)).status)
  return out
}

export const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`
