// Mixed Entryway traffic for the soak: virtual users who sign up, log in, refresh, write and read
// records through the proxy, spread over several gateways and many client addresses.

export type Kind = 'signup' | 'login' | 'refresh' | 'write' | 'read' | 'list'
export const KINDS: readonly Kind[] = ['signup', 'login', 'refresh', 'write', 'read', 'list']

/** Share of actions per kind (sign-ups are the costliest: a PDS account and a PLC operation). */
export const MIX: Readonly<Record<Kind, number>> = {
  signup: 2,
  login: 6,
  refresh: 10,
  write: 17,
  read: 45,
  list: 20,
}

export interface User {
  did: string
  handle: string
  password: string
  accessJwt: string
  refreshJwt: string
  rkeys: string[]
  busy: boolean
}

export interface Failure {
  kind: Kind
  at: number
  status: number
  body: string
}

export class Stats {
  readonly latencies = new Map<Kind, number[]>(KINDS.map((k) => [k, []]))
  readonly counts = new Map<Kind, number>(KINDS.map((k) => [k, 0]))
  readonly errors = new Map<Kind, number>(KINDS.map((k) => [k, 0]))
  readonly failures: Failure[] = []

  ok(kind: Kind, ms: number) {
    this.counts.set(kind, this.counts.get(kind)! + 1)
    this.latencies.get(kind)!.push(ms)
  }

  fail(kind: Kind, status: number, body: string, at: number) {
    this.counts.set(kind, this.counts.get(kind)! + 1)
    this.errors.set(kind, this.errors.get(kind)! + 1)
    if (this.failures.length < 50)
      this.failures.push({ kind, at, status, body: body.slice(0, 300) })
  }
}

export const percentile = (xs: number[], p: number): number => {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

interface Answer {
  status: number
  body: Record<string, unknown> | null
  text: string
  ms: number
}

/** A client address per call (the gateways trust loopback's X-Forwarded-For): many clients, as behind a load balancer. */
const clientIp = () =>
  `10.${1 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`

async function call(
  base: string,
  nsid: string,
  init: { token?: string; body?: unknown; query?: Record<string, string>; post?: boolean },
): Promise<Answer> {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = { 'x-forwarded-for': clientIp() }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const t0 = performance.now()
  try {
    const res = await fetch(url, {
      method: init.post || init.body !== undefined ? 'POST' : 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(60_000),
    })
    const text = await res.text()
    let body: Record<string, unknown> | null = null
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      body = null
    }
    return { status: res.status, body, text, ms: performance.now() - t0 }
  } catch (err) {
    return { status: 0, body: null, text: String(err), ms: performance.now() - t0 }
  }
}

export class Traffic {
  readonly users: User[] = []
  private seq = 0
  private gatewayTurn = 0

  constructor(
    private readonly gateways: readonly string[],
    readonly stats: Stats,
    private readonly clock: () => number,
  ) {}

  private base(): string {
    return this.gateways[this.gatewayTurn++ % this.gateways.length]!
  }

  private pickKind(): Kind {
    const total = KINDS.reduce((n, k) => n + MIX[k], 0)
    let r = Math.random() * total
    for (const k of KINDS) if ((r -= MIX[k]) < 0) return k
    return 'read'
  }

  /** A user nobody else is acting for (refresh tokens rotate), or null. */
  private take(): User | null {
    for (let i = 0; i < 8; i++) {
      const u = this.users[Math.floor(Math.random() * this.users.length)]
      if (u && !u.busy) {
        u.busy = true
        return u
      }
    }
    return null
  }

  async signUp(record = true): Promise<User | null> {
    const handle = `sk${Date.now().toString(36)}${(this.seq++).toString(36)}.test`
    const password = `pw-${handle}`
    const r = await call(this.base(), 'com.atproto.server.createAccount', {
      body: { handle, email: `${handle.replace(/\./g, '-')}@mail.test`, password },
    })
    if (r.status !== 200) {
      if (record) this.stats.fail('signup', r.status, r.text, this.clock())
      else throw new Error(`warm-up sign-up: ${r.status} ${r.text}`)
      return null
    }
    if (record) this.stats.ok('signup', r.ms)
    const b = r.body as { did: string; accessJwt: string; refreshJwt: string }
    const u: User = {
      did: b.did,
      handle,
      password,
      accessJwt: b.accessJwt,
      refreshJwt: b.refreshJwt,
      rkeys: [],
      busy: false,
    }
    this.users.push(u)
    return u
  }

  /** One action of a random kind. */
  async step(): Promise<void> {
    const kind = this.pickKind()
    if (kind === 'signup') {
      await this.signUp()
      return
    }
    const u = this.take()
    if (!u) return
    try {
      await this.act(kind, u)
    } finally {
      u.busy = false
    }
  }

  private async act(kind: Exclude<Kind, 'signup'>, u: User): Promise<void> {
    const base = this.base()
    let r: Answer
    switch (kind) {
      case 'login':
        r = await call(base, 'com.atproto.server.createSession', {
          body: { identifier: u.handle, password: u.password },
        })
        if (r.status === 200) {
          u.accessJwt = String(r.body!.accessJwt)
          u.refreshJwt = String(r.body!.refreshJwt)
        }
        break
      case 'refresh':
        r = await call(base, 'com.atproto.server.refreshSession', {
          token: u.refreshJwt,
          post: true,
        })
        if (r.status === 200) {
          u.accessJwt = String(r.body!.accessJwt)
          u.refreshJwt = String(r.body!.refreshJwt)
        }
        break
      case 'write':
        r = await call(base, 'com.atproto.repo.createRecord', {
          token: u.accessJwt,
          body: {
            repo: u.did,
            collection: 'app.bsky.feed.post',
            record: { text: `soak ${this.seq++}`, createdAt: new Date().toISOString() },
          },
        })
        if (r.status === 200) {
          u.rkeys.push(String(r.body!.uri).split('/').pop()!)
          if (u.rkeys.length > 20) u.rkeys.shift()
        }
        break
      case 'read': {
        const rkey = u.rkeys[Math.floor(Math.random() * u.rkeys.length)]
        r = rkey
          ? await call(base, 'com.atproto.repo.getRecord', {
              token: u.accessJwt,
              query: { repo: u.did, collection: 'app.bsky.feed.post', rkey },
            })
          : await call(base, 'com.atproto.server.getSession', { token: u.accessJwt })
        break
      }
      case 'list':
        // unauthenticated: routed by the repo parameter
        r = await call(base, 'com.atproto.repo.listRecords', {
          query: { repo: u.did, collection: 'app.bsky.feed.post', limit: '10' },
        })
        break
    }
    if (r.status === 200) this.stats.ok(kind, r.ms)
    else this.stats.fail(kind, r.status, r.text, this.clock())
  }
}
