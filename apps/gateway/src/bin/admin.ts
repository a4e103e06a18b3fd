#!/usr/bin/env node
// Operator CLI (`./dev admin …`, `entryway-admin …` once installed): pdsadmin's commands across
// the fleet plus the fleet's own. It talks to a deployed gateway over HTTP with Basic
// admin:<PDS admin password>, through the same XRPC methods any admin client uses.
// Target: --url / --password, else ENTRYWAY_URL / ENTRYWAY_PDS_ADMIN_PASSWORD, else .lab/lab.json.
// Output is for people by default; --json prints the gateway's answers as JSON.
import { randomBytes } from 'node:crypto'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { AdminCallError, adminCall as call, adminTarget, type AdminTarget } from './admin-client.js'
import { moveCommand, MOVE_USAGE } from './admin-moves.js'
import { table } from './cli-table.js'

/** Flags that take no value. */
const SWITCHES = new Set(['json', 'yes'])

function parseArgs(argv: string[]): { words: string[]; flags: Map<string, string> } {
  const words: string[] = []
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined]
      flags.set(k, inline ?? (SWITCHES.has(k) ? 'true' : (argv[++i] ?? '')))
    } else words.push(a)
  }
  return { words, flags }
}

const int = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`)
  return n
}

/** A command's answer: what a person reads, and what `--json` prints. */
interface Out {
  text: string
  data: unknown
}
const out = (text: string, data: unknown): Out => ({ text, data })

const HOST_COLS = [
  'id',
  'url',
  'did',
  'status',
  'healthy',
  'weight',
  'accountCap',
  'accounts',
  'lastError',
]
const STATUS_OF: Record<string, string> = {
  enable: 'enabled',
  drain: 'draining',
  disable: 'disabled',
  retire: 'retired',
}

const ACCOUNT_COLS = ['did', 'handle', 'email', 'hostId', 'status', 'createdAt']
const CRAWL_COLS = ['hostname', 'relay', 'ok', 'attempts', 'error']
const UPDATE_TEXT = `update: not applicable. pdsadmin's update pulls a new PDS image on one machine; the Entryway's hosts
are ordinary PDS installs, each updated the way it was installed, and the gateway is updated by
deploying a new version of its package or image. Nothing to do here.`

/** `./dev admin …` / `entryway-admin …`: the text to print (JSON with `--json`). */
export async function main(argv: string[]): Promise<string> {
  const { words, flags } = parseArgs(argv)
  const json = flags.has('json')
  const [cmd] = words
  if (!cmd || cmd === 'help') return USAGE
  if (cmd === 'update')
    return json ? JSON.stringify({ applicable: false, message: UPDATE_TEXT }, null, 2) : UPDATE_TEXT
  const t = adminTarget(flags)
  const moved = await moveCommand(words, flags, (nsid, o) => call(t, nsid, o), {
    progress: (line) => process.stderr.write(`${line}\n`),
  })
  if (moved !== null) return moved
  const res = await run(t, words, flags)
  return json ? JSON.stringify(res.data, null, 2) : res.text
}

async function run(t: AdminTarget, words: string[], flags: Map<string, string>): Promise<Out> {
  const [cmd, sub, ...rest] = words
  if (cmd === 'hosts') return hosts(t, sub, rest, flags)
  if (cmd === 'account') return account(t, sub, rest, flags)
  if (cmd === 'accounts') {
    if (sub) throw new Error('usage: accounts [--host id|url|did] [--limit N] [--cursor C]')
    return account(t, 'list', [], flags)
  }
  if (cmd === 'create-invite-code' || (cmd === 'invites' && sub === 'create')) {
    const uses = int(flags.get('uses'), 'uses') ?? 1
    const count = int(flags.get('count'), 'count') ?? 1
    const forAccount = flags.get('for')
    const res = await call(t, 'com.atproto.server.createInviteCodes', {
      body: {
        codeCount: count,
        useCount: uses,
        ...(forAccount ? { forAccounts: [forAccount] } : {}),
      },
    })
    const codes = (res.codes as Array<{ codes: string[] }>).flatMap((a) => a.codes)
    return out(codes.join('\n'), { codes })
  }
  if (cmd === 'request-crawl') {
    const relays = [sub, ...rest].filter((w): w is string => Boolean(w))
    const res = await call(t, 'com.entryway.admin.requestCrawl', {
      body: {
        ...(relays.length ? { relays } : {}),
        ...(flags.get('host') ? { host: flags.get('host') } : {}),
      },
    })
    const results = res.results as Array<{ ok: boolean }>
    const failed = results.filter((r) => !r.ok).length
    const text = results.length ? table(results, CRAWL_COLS) : 'no enabled hosts'
    return out(
      failed ? `${text}\n${failed} request(s) failed (logged by the gateway too)` : text,
      res,
    )
  }
  throw new Error(`unknown command: ${words.join(' ')}\n${USAGE}`)
}

async function hosts(
  t: AdminTarget,
  sub: string | undefined,
  rest: string[],
  flags: Map<string, string>,
): Promise<Out> {
  if (!sub || sub === 'list') {
    const res = await call(t, 'com.entryway.admin.listHosts')
    return out(table(res.hosts, HOST_COLS), res)
  }
  if (sub === 'check') {
    const res = await call(t, 'com.entryway.admin.checkHosts', { body: {} })
    return out(
      table(
        res.hosts,
        HOST_COLS.filter((c) => c !== 'accounts'),
      ),
      res,
    )
  }
  if (sub === 'add') {
    const [url, did] = rest
    if (!url || !did)
      throw new Error(
        'usage: hosts add <url> <did> [--weight N] [--cap N] [--internal-url U] [--status S]',
      )
    const res = await call(t, 'com.entryway.admin.addHost', {
      body: {
        url,
        did,
        weight: int(flags.get('weight'), 'weight'),
        accountCap: int(flags.get('cap'), 'cap'),
        internalUrl: flags.get('internal-url'),
        status: flags.get('status'),
      },
    })
    return out(table([res.host], HOST_COLS), res)
  }
  if (STATUS_OF[sub] || sub === 'set') {
    const ref = rest[0]
    if (!ref) throw new Error(`usage: hosts ${sub} <id|url|did>`)
    const cap = flags.get('cap')
    const res = await call(t, 'com.entryway.admin.updateHost', {
      body: {
        host: ref,
        status: STATUS_OF[sub],
        weight: int(flags.get('weight'), 'weight'),
        accountCap: cap === 'none' ? null : int(cap, 'cap'),
        internalUrl: flags.get('internal-url'),
      },
    })
    return out(table([res.host], HOST_COLS), res)
  }
  throw new Error(`unknown command: hosts ${sub}\n${USAGE}`)
}

async function account(
  t: AdminTarget,
  sub: string | undefined,
  rest: string[],
  flags: Map<string, string>,
): Promise<Out> {
  const who = rest[0]
  if (!sub || sub === 'list') {
    const res = await call(t, 'com.entryway.admin.listAccounts', {
      query: { host: flags.get('host'), limit: flags.get('limit'), cursor: flags.get('cursor') },
    })
    return out(
      table(res.accounts, ACCOUNT_COLS) + (res.cursor ? `\nnext: --cursor ${res.cursor}` : ''),
      res,
    )
  }
  if (sub === 'create') {
    const [email, handle] = rest
    if (!email || !handle)
      throw new Error('usage: account create <email> <handle> [--new-password P]')
    const password = flags.get('new-password') ?? newPassword()
    // an invite of one use, so this works whether or not sign-up needs one
    const { code } = await call(t, 'com.atproto.server.createInviteCode', { body: { useCount: 1 } })
    const res = await call(t, 'com.atproto.server.createAccount', {
      auth: false,
      body: { email, handle, password, inviteCode: code },
    })
    const data = { did: res.did, handle: res.handle, email, password }
    return out(
      `Account created\n${table([data], ['handle', 'did', 'email', 'password'])}\nSave this password: it is not shown again.`,
      data,
    )
  }
  if (!['info', 'delete', 'takedown', 'untakedown', 'reset-password'].includes(sub))
    throw new Error(`unknown command: account ${sub}\n${USAGE}`)
  if (!who) throw new Error(`usage: account ${sub} <did|handle>`)
  const did = await toDid(t, who)
  if (sub === 'info') {
    const info = await call(t, 'com.atproto.admin.getAccountInfo', { query: { did } })
    const status = await call(t, 'com.atproto.admin.getSubjectStatus', { query: { did } }).catch(
      () => null,
    )
    const data = { ...info, takedown: status?.takedown, deactivated: status?.deactivated }
    const rows = Object.entries({
      did,
      handle: info.handle,
      email: info.email,
      emailConfirmedAt: info.emailConfirmedAt,
      indexedAt: info.indexedAt,
      deactivatedAt: info.deactivatedAt,
      takendown: status?.takedown?.applied ?? false,
      invites: info.invites?.length,
      invitesDisabled: info.invitesDisabled,
    })
    return out(
      rows.map(([k, v]) => `${k.padEnd(17)}${v === undefined ? '-' : String(v)}`).join('\n'),
      data,
    )
  }
  if (sub === 'delete') {
    if (!flags.has('yes'))
      throw new Error(
        `account delete removes ${did} from its PDS and tombstones the DID: permanent. Add --yes to go ahead.`,
      )
    await call(t, 'com.atproto.admin.deleteAccount', { body: { did } })
    return out(`${did} deleted`, { did, deleted: true })
  }
  if (sub === 'takedown' || sub === 'untakedown') {
    const applied = sub === 'takedown'
    const ref = flags.get('ref')
    const res = await call(t, 'com.atproto.admin.updateSubjectStatus', {
      body: {
        subject: { $type: 'com.atproto.admin.defs#repoRef', did },
        takedown: { applied, ...(applied && ref ? { ref } : {}) },
      },
    })
    return out(`${did} ${applied ? 'taken down' : 'restored'}`, res)
  }
  const password = flags.get('new-password') ?? newPassword()
  await call(t, 'com.atproto.admin.updateAccountPassword', { body: { did, password } })
  return out(`New password for ${did}: ${password}\nEvery session of the account was ended.`, {
    did,
    password,
  })
}

/**
 * A DID as is; a handle through the admin search, not the public resolveHandle: that one hides a
 * taken-down account, which is exactly the one `account untakedown` is given.
 */
async function toDid(t: AdminTarget, who: string): Promise<string> {
  if (who.startsWith('did:')) return who
  const handle = who.toLowerCase()
  let cursor: string | undefined
  do {
    const page = await call(t, 'com.atproto.admin.searchAccounts', {
      query: { email: handle, limit: '100', cursor },
    })
    const accounts = page.accounts as Array<{ did: string; handle?: string }>
    const found = accounts.find((a) => a.handle?.toLowerCase() === handle)
    if (found) return found.did
    cursor = page.cursor as string | undefined
  } while (cursor)
  throw new AdminCallError(
    'com.atproto.admin.searchAccounts',
    404,
    'AccountNotFound',
    `no account of the fleet has the handle ${who}`,
  )
}

/** 20 random characters (letters and digits). */
function newPassword(): string {
  return randomBytes(15).toString('base64url').replace(/[-_]/g, 'x').slice(0, 20)
}

const USAGE = `usage: entryway-admin <command> [--json]   (./dev admin in the repository)
  account list [--host id|url|did] [--limit N] [--cursor C]   accounts of the whole fleet
  account create <email> <handle> [--new-password P]          an account (random password unless given)
  account info <did|handle>                                   the admin view: Entryway and PDS data
  account delete <did|handle> --yes                           repo, account and DID (tombstone)
  account takedown <did|handle> [--ref R] | account untakedown <did|handle>
  account reset-password <did|handle> [--new-password P]      sets a new one; ends every session
  create-invite-code [--uses N] [--count N] [--for did]
  request-crawl [relay-url…] [--host id|url|did]              ask relays (ENTRYWAY_CRAWLERS unless named) to crawl the hosts
  update                                                      not applicable (says why)
  hosts [list]                              fleet hosts with status, health and account counts
  hosts add <url> <did> [--weight N] [--cap N] [--internal-url U] [--status registered|enabled]
  hosts enable|drain|disable|retire <id|url|did>
  hosts set <id|url|did> [--weight N] [--cap N|none] [--internal-url U]
  hosts check                               run a health round now
  accounts [--host id|url|did] [--limit N]  (= account list)
  invites create [--uses N] [--count N] [--for did]   (= create-invite-code)
${MOVE_USAGE}
target: --url U --password P | ENTRYWAY_URL, ENTRYWAY_PDS_ADMIN_PASSWORD | .lab/lab.json (--lab file)`

/** Run as a program (tsx, the built file, or the package bin's symlink). */
function isMain(): boolean {
  const arg = process.argv[1]
  if (!arg) return false
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isMain()) {
  const json = process.argv.includes('--json')
  main(process.argv.slice(2)).then(
    (text) => {
      process.stdout.write(`${text}\n`)
    },
    (err: Error) => {
      if (json) {
        const e =
          err instanceof AdminCallError
            ? {
                error: err.error || 'Error',
                status: err.status,
                message: err.detail,
                nsid: err.nsid,
              }
            : { error: 'Error', message: err.message }
        process.stderr.write(`${JSON.stringify(e)}\n`)
      } else process.stderr.write(`${err.message}\n`)
      process.exitCode = 1
    },
  )
}
