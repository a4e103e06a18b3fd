import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'

const REQUEST_TIMEOUT_MS = 60_000

/** A deployed gateway and its admin password (Basic `admin:<PDS admin password>`). */
export interface AdminTarget {
  url: string
  password: string
}

/** An XRPC error answer, kept whole so `--json` can print it. */
export class AdminCallError extends Error {
  constructor(
    readonly nsid: string,
    readonly status: number,
    readonly error: string,
    readonly detail: string,
  ) {
    super(`${nsid}: ${status} ${error} ${detail}`.trim())
  }
}

/** `--url/--password`, else `ENTRYWAY_URL`/`ENTRYWAY_PDS_ADMIN_PASSWORD`, else the lab's `lab.json`. */
export function adminTarget(
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): AdminTarget {
  let url = flags.get('url') ?? env.ENTRYWAY_URL
  let password = flags.get('password') ?? env.ENTRYWAY_PDS_ADMIN_PASSWORD
  const labFile = resolve(flags.get('lab') ?? '.lab/lab.json')
  if ((!url || !password) && existsSync(labFile)) {
    const lab = JSON.parse(readFileSync(labFile, 'utf8')) as {
      entryway?: { url?: string; adminPassword?: string }
      adminPassword?: string
    }
    url ??= lab.entryway?.url
    password ??= lab.adminPassword ?? lab.entryway?.adminPassword
  }
  if (!url || !password)
    throw new Error(
      'no gateway: pass --url and --password, set ENTRYWAY_URL and ENTRYWAY_PDS_ADMIN_PASSWORD, or run the lab',
    )
  return { url: url.replace(/\/+$/, ''), password }
}

/** One XRPC call with Basic admin (`auth: false`: none); a POST when there is a body. */
export async function adminCall(
  t: AdminTarget,
  nsid: string,
  o: { query?: Record<string, string | undefined>; body?: unknown; auth?: boolean } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI reads the fields each command shows from whatever the API answered
): Promise<any> {
  const u = new URL(`/xrpc/${nsid}`, t.url)
  for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) u.searchParams.set(k, v)
  const res = await fetch(u, {
    method: o.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(o.auth === false
        ? {}
        : { authorization: `Basic ${Buffer.from(`admin:${t.password}`).toString('base64')}` }),
      ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await res.text()
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see the return type
  let json: any
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    json = { error: 'NotJson', message: text.slice(0, 200) }
  }
  if (!res.ok)
    throw new AdminCallError(nsid, res.status, String(json.error ?? ''), String(json.message ?? ''))
  return json
}
