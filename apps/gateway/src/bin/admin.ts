// Operator CLI: `./dev admin …`. The embedded database belongs to the running gateway, so this
// talks to it over HTTP with Basic admin:<PDS admin password>.
//   hosts list | hosts add <url> <did> [--weight N] [--cap N] [--internal-url U] [--status S]
//   hosts enable|drain|disable|retire <id|url|did> | hosts set <id|url|did> [--weight N] [--cap N|none]
//   hosts check | accounts [--host id|url|did] [--limit N] | invites create [--uses N] [--count N] [--for did]
// Target: --url / --password, else ENTRYWAY_URL / ENTRYWAY_PDS_ADMIN_PASSWORD, else .lab/lab.json.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { moveCommand, MOVE_USAGE } from './admin-moves.js'

const REQUEST_TIMEOUT_MS = 30_000

interface Target {
  url: string
  password: string
}

function parseArgs(argv: string[]): { words: string[]; flags: Map<string, string> } {
  const words: string[] = []
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined]
      flags.set(k, inline ?? argv[++i] ?? '')
    } else words.push(a)
  }
  return { words, flags }
}

function target(flags: Map<string, string>): Target {
  let url = flags.get('url') ?? process.env.ENTRYWAY_URL
  let password = flags.get('password') ?? process.env.ENTRYWAY_PDS_ADMIN_PASSWORD
  const labFile = resolve(flags.get('lab') ?? '.lab/lab.json')
  if ((!url || !password) && existsSync(labFile)) {
    const lab = JSON.parse(readFileSync(labFile, 'utf8')) as { entryway?: { url?: string; adminPassword?: string }; adminPassword?: string }
    url ??= lab.entryway?.url
    password ??= lab.adminPassword ?? lab.entryway?.adminPassword
  }
  if (!url || !password) throw new Error('no gateway: pass --url and --password, set ENTRYWAY_URL and ENTRYWAY_PDS_ADMIN_PASSWORD, or run the lab')
  return { url: url.replace(/\/+$/, ''), password }
}

async function call(t: Target, nsid: string, o: { query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<any> {
  const u = new URL(`/xrpc/${nsid}`, t.url)
  for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) u.searchParams.set(k, v)
  const res = await fetch(u, {
    method: o.body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${t.password}`).toString('base64')}`,
      ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const text = await res.text()
  const json = text ? JSON.parse(text) : {}
  if (!res.ok) throw new Error(`${nsid}: ${res.status} ${json.error ?? ''} ${json.message ?? ''}`.trim())
  return json
}

function table(rows: Array<Record<string, unknown>>, cols: string[]): string {
  const cells = [cols, ...rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]))))]
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)))
  return cells.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')
}

const int = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`)
  return n
}

const HOST_COLS = ['id', 'url', 'did', 'status', 'healthy', 'weight', 'accountCap', 'accounts', 'lastError']
const STATUS_OF: Record<string, string> = { enable: 'enabled', drain: 'draining', disable: 'disabled', retire: 'retired' }

export async function main(argv: string[]): Promise<string> {
  const { words, flags } = parseArgs(argv)
  const [cmd, sub, ...rest] = words
  if (!cmd || cmd === 'help') return USAGE
  const t = target(flags)
  const moved = await moveCommand(words, flags, (nsid, o) => call(t, nsid, o), { progress: (line) => process.stderr.write(`${line}\n`) })
  if (moved !== null) return moved
  if (cmd === 'hosts') {
    if (!sub || sub === 'list') return table((await call(t, 'com.entryway.admin.listHosts')).hosts, HOST_COLS)
    if (sub === 'check') return table((await call(t, 'com.entryway.admin.checkHosts', { body: {} })).hosts, HOST_COLS.filter((c) => c !== 'accounts'))
    if (sub === 'add') {
      const [url, did] = rest
      if (!url || !did) throw new Error('usage: hosts add <url> <did> [--weight N] [--cap N] [--internal-url U] [--status S]')
      const { host } = await call(t, 'com.entryway.admin.addHost', {
        body: { url, did, weight: int(flags.get('weight'), 'weight'), accountCap: int(flags.get('cap'), 'cap'), internalUrl: flags.get('internal-url'), status: flags.get('status') },
      })
      return table([host], HOST_COLS)
    }
    if (STATUS_OF[sub] || sub === 'set') {
      const ref = rest[0]
      if (!ref) throw new Error(`usage: hosts ${sub} <id|url|did>`)
      const cap = flags.get('cap')
      const { host } = await call(t, 'com.entryway.admin.updateHost', {
        body: {
          host: ref,
          status: STATUS_OF[sub],
          weight: int(flags.get('weight'), 'weight'),
          accountCap: cap === 'none' ? null : int(cap, 'cap'),
          internalUrl: flags.get('internal-url'),
        },
      })
      return table([host], HOST_COLS)
    }
  }
  if (cmd === 'accounts') {
    const words2 = [sub, ...rest].filter(Boolean)
    if (words2.length) throw new Error('usage: accounts [--host id|url|did] [--limit N] [--cursor C]')
    const page = await call(t, 'com.entryway.admin.listAccounts', { query: { host: flags.get('host'), limit: flags.get('limit'), cursor: flags.get('cursor') } })
    return table(page.accounts, ['did', 'handle', 'email', 'hostId', 'status', 'createdAt']) + (page.cursor ? `\nnext: --cursor ${page.cursor}` : '')
  }
  if (cmd === 'invites' && sub === 'create') {
    const uses = int(flags.get('uses'), 'uses') ?? 1
    const count = int(flags.get('count'), 'count') ?? 1
    const forAccount = flags.get('for')
    const out = await call(t, 'com.atproto.server.createInviteCodes', {
      body: { codeCount: count, useCount: uses, ...(forAccount ? { forAccounts: [forAccount] } : {}) },
    })
    return (out.codes as Array<{ codes: string[] }>).flatMap((a) => a.codes).join('\n')
  }
  throw new Error(`unknown command: ${words.join(' ')}\n${USAGE}`)
}

const USAGE = `usage: ./dev admin <command>
  hosts [list]                              fleet hosts with status, health and account counts
  hosts add <url> <did> [--weight N] [--cap N] [--internal-url U] [--status registered|enabled]
  hosts enable|drain|disable|retire <id|url|did>
  hosts set <id|url|did> [--weight N] [--cap N|none] [--internal-url U]
  hosts check                               run a health round now
  accounts [--host id|url|did] [--limit N]  accounts, per host
  invites create [--uses N] [--count N] [--for did]
${MOVE_USAGE}
target: --url U --password P | ENTRYWAY_URL, ENTRYWAY_PDS_ADMIN_PASSWORD | .lab/lab.json (--lab file)`

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bin/admin.ts')) {
  main(process.argv.slice(2)).then(
    (out) => {
      process.stdout.write(`${out}\n`)
    },
    (err: Error) => {
      process.stderr.write(`${err.message}\n`)
      process.exitCode = 1
    },
  )
}
