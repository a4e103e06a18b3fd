import { readFileSync } from 'node:fs'
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import { Agent, request } from 'undici'

/** Time allowed for one probe request. */
export const PROBE_TIMEOUT_MS = 5_000

export interface ProbeClientOptions {
  /** `domain → address`: the domain and every subdomain of it resolve there (curl's `--resolve`). */
  resolve?: ReadonlyMap<string, string>
  /** Extra trusted CA (PEM file), e.g. Caddy's internal root. */
  caFile?: string
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/** Name resolution with the operator's overrides first (a deployment checked before its DNS is live). */
export function probeLookup(resolve: ReadonlyMap<string, string> | undefined) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    const host = hostname.toLowerCase()
    for (const [domain, address] of resolve ?? []) {
      if (host === domain || host.endsWith(`.${domain}`)) {
        const family = isIP(address)
        return options.all ? callback(null, [{ address, family }]) : callback(null, address, family)
      }
    }
    dnsLookup(hostname, options, callback as never)
  }
}

export interface ProbeResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Plain HTTP(S) probes: no redirects followed, no cookies, bodies read as text. */
export class ProbeClient {
  readonly ca: string | undefined
  readonly lookup: ReturnType<typeof probeLookup>
  private readonly agent: Agent
  constructor(opts: ProbeClientOptions = {}) {
    this.ca = opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined
    this.lookup = probeLookup(opts.resolve)
    this.agent = new Agent({
      connect: { lookup: this.lookup, ...(this.ca ? { ca: this.ca } : {}) },
      connectTimeout: PROBE_TIMEOUT_MS,
    })
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<ProbeResponse> {
    const res = await request(url, {
      method: 'GET',
      headers,
      dispatcher: this.agent,
      headersTimeout: PROBE_TIMEOUT_MS,
      bodyTimeout: PROBE_TIMEOUT_MS,
    })
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
  }

  // a probe reads whatever a server answered; each check reads the fields it tests
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  async json<T = any>(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: ProbeResponse['headers'] }> {
    const res = await this.get(url, headers)
    let body: T
    try {
      body = JSON.parse(res.body) as T
    } catch {
      throw new Error(`${url} answered ${res.status} with a body that is not JSON`)
    }
    return { status: res.status, body, headers: res.headers }
  }

  close(): Promise<void> {
    return this.agent.close()
  }
}
