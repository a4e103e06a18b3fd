import t from 'tap'
import { randomBytes } from 'node:crypto'
import { openDatabase, type Database } from '@entryway/db'
import {
  KyselyAccountStore,
  KyselyAppPasswordStore,
  KyselyRefreshTokenStore,
  KyselyEmailTokenStore,
} from '@entryway/session/postgres'
import {
  KyselyAccountDirectory,
  KyselyHostRegistry,
  KyselyInviteStore,
  KyselyMoveJobStore,
  KyselySignupStore,
} from '@entryway/placement/postgres'
import { KyselyAccountRoutes, KyselyHostDirectory } from '@entryway/proxy/postgres'
import { KyselyFleetDirectory } from '@entryway/admin-rbac/postgres'

// Every query on a per-request or per-pass path must use an index once the tables are large: a
// sequential scan of a table that grows with accounts is a cost that grows with the service. The
// test seeds a real Postgres with enough rows that the planner prefers an index wherever one
// serves, captures the SQL the stores send for each operation, and EXPLAINs each statement with
// its own parameters. Every public method of the stores below must be exercised (or listed in
// NOT_EXERCISED with its reason), so a new store query cannot escape the check. (PGlite plans
// alike, but the seeding is what makes plans honest and it is slow there.)

t.setTimeout(300_000)

const ACCOUNTS = 60_000
/** Tables whose size grows with accounts, sign-ups, sessions or moves. */
const GROWING = new Set([
  'account',
  'refresh_token',
  'app_password',
  'invite_code',
  'invite_code_use',
  'email_token',
  'account_creation',
  'account_move',
])

/** Store methods no operation below calls, each with why it may scan. */
const NOT_EXERCISED: Record<string, string> = {}

const POSTGRES_URL = process.env.TEST_DATABASE_URL

/** A fresh schema on the test Postgres, with time for the bulk seeding on a loaded machine. */
async function openSeedable(): Promise<Database> {
  const schema = `plans_${randomBytes(6).toString('hex')}`
  const d = await openDatabase({
    url: POSTGRES_URL,
    schema,
    connectionTimeoutMs: 30_000,
    statementTimeoutMs: 180_000,
  })
  await d.migrateToLatest()
  return {
    ...d,
    async close() {
      await d.pool?.query(`drop schema if exists ${schema} cascade`)
      await d.close()
    },
  }
}

interface Captured {
  text: string
  values: unknown[]
}

/** Records every statement sent through pg clients while `fn` runs. */
async function capture(d: Database, fn: () => Promise<unknown>): Promise<Captured[]> {
  const seen: Captured[] = []
  const client = await d.pool!.connect()
  const proto = Object.getPrototypeOf(client) as { query: (...a: unknown[]) => unknown }
  client.release()
  const original = proto.query
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [q, v] = args
    if (typeof q === 'string') seen.push({ text: q, values: Array.isArray(v) ? v : [] })
    else if (q && typeof q === 'object' && 'text' in q)
      seen.push({
        text: String((q as { text: string }).text),
        values: (q as { values?: unknown[] }).values ?? [],
      })
    return original.apply(this, args)
  }
  try {
    await fn()
  } finally {
    proto.query = original
  }
  return seen.filter((c) => /^\s*(select|update|delete|with|insert)/i.test(c.text))
}

/**
 * The store with every method call recorded as `Class.method` in `called`: the check that each
 * store method ran under EXPLAIN reads it.
 */
function recorded<S extends object>(store: S, called: Set<string>): S {
  const cls = store.constructor.name
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function' || typeof prop !== 'string') return v
      return function (this: unknown, ...args: unknown[]) {
        called.add(`${cls}.${prop}`)
        return (v as (...a: unknown[]) => unknown).apply(this, args)
      }
    },
  })
}

/** `Class.method` for each method on the store's prototype (private ones included). */
function methodsOf(store: object): string[] {
  const proto = Object.getPrototypeOf(store) as object
  return Object.getOwnPropertyNames(proto)
    .filter((m) => m !== 'constructor')
    .filter((m) => typeof Object.getOwnPropertyDescriptor(proto, m)?.value === 'function')
    .map((m) => `${store.constructor.name}.${m}`)
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Index Cond'?: string
  Filter?: string
  'Plan Rows': number
  Plans?: PlanNode[]
}

/**
 * A Limit over a filtered index walk reads about `limit / matching rows` of the index before the
 * page is full: past this share, a page may read most of the table (a rare search prefix).
 */
const MAX_WALKED_SHARE = 0.1

/**
 * Scans of growing tables that read the whole table: a Seq Scan, or an index scan with no
 * condition, unless a Limit stops it early (a page in index order, whose filter, if any, matches
 * often enough that the page fills within a small share of the index) or the index is partial (it
 * holds only in-flight rows, bounded by the work in progress, not by the accounts).
 */
function fullScans(
  node: PlanNode,
  partial: ReadonlySet<string>,
  limit: number | null = null,
  out: string[] = [],
): string[] {
  const rel = node['Relation Name']
  if (rel && GROWING.has(rel)) {
    const walksLittle =
      limit !== null && (!node.Filter || limit / Math.max(1, node['Plan Rows']) <= MAX_WALKED_SHARE)
    if (node['Node Type'] === 'Seq Scan') out.push(`Seq Scan on ${rel}`)
    else if (
      /Index( Only)? Scan/.test(node['Node Type']) &&
      !node['Index Cond'] &&
      !walksLittle &&
      !partial.has(node['Index Name'] ?? '')
    ) {
      out.push(
        `${node['Node Type']} on ${rel} (${node['Index Name']}) with no index condition${node.Filter ? ` (filter ${node.Filter}, ~${node['Plan Rows']} rows match)` : ''}`,
      )
    }
  }
  const below = node['Node Type'] === 'Limit' ? node['Plan Rows'] : limit
  for (const p of node.Plans ?? []) fullScans(p, partial, below, out)
  return out
}

const seedDid = (i: number) => `did:plc:seed${String(i).padStart(12, '0')}`

async function seed(d: Database): Promise<void> {
  const pool = d.pool!
  const now = new Date().toISOString()
  const old = new Date(Date.now() - 30 * 86_400_000).toISOString()
  await pool.query(
    `insert into pds_host (url, did, status, weight, healthy, consecutive_failures, created_at, updated_at)
     select 'https://pds' || i || '.example', 'did:web:pds' || i || '.example', 'enabled', 1, true, 0, $1, $1 from generate_series(1, 4) i`,
    [now],
  )
  await pool.query(
    `insert into account (did, handle, email, email_confirmed_at, email_auth_factor, password_scrypt, host_id, status, invites_disabled, created_at, updated_at)
     select 'did:plc:seed' || lpad(i::text, 12, '0'), 'user' || i || '.example.test', 'user' || i || '@mail.test', $1, false, 'x:y',
            (array(select id from pds_host order by id))[1 + i % 4], case when i % 97 = 0 then 'deactivated' else 'active' end, false, $1, $1
     from generate_series(1, ${ACCOUNTS}) i`,
    [now],
  )
  await pool.query(
    `insert into refresh_token (id, did, app_password_name, expires_at, next_id, created_at)
     select 'rt' || i, 'did:plc:seed' || lpad(i::text, 12, '0'), null, $1, case when i % 2 = 0 then 'rt' || i || '-old' end, $2 from generate_series(1, ${ACCOUNTS}) i`,
    [new Date(Date.now() + 86_400_000).toISOString(), now],
  )
  await pool.query(
    `insert into app_password (did, name, password_scrypt, privileged, created_at)
     select 'did:plc:seed' || lpad(i::text, 12, '0'), 'app' || (i % 3), 'x:y' || i, false, $1 from generate_series(1, ${ACCOUNTS}) i`,
    [now],
  )
  await pool.query(
    `insert into invite_code (code, available_uses, disabled, for_account, created_by, created_at)
     select 'code-' || i, 1, false, 'did:plc:seed' || lpad((i % ${ACCOUNTS} + 1)::text, 12, '0'), 'admin', $1 from generate_series(1, ${ACCOUNTS}) i`,
    [now],
  )
  await pool.query(
    `insert into invite_code_use (code, used_by, used_at) select 'code-' || i, 'did:plc:seed' || lpad(i::text, 12, '0'), $1 from generate_series(1, ${ACCOUNTS / 2}) i`,
    [now],
  )
  await pool.query(
    `insert into email_token (purpose, did, token, requested_at)
     select 'confirm_email', 'did:plc:seed' || lpad(i::text, 12, '0'), 'tok' || i, $1 from generate_series(1, ${ACCOUNTS}) i`,
    [now],
  )
  await pool.query(
    `insert into account_creation (id, handle, email, request_key, did, host_id, state, created_at, updated_at)
     select 'ac' || i, 'user' || i || '.example.test', 'user' || i || '@mail.test', 'rk' || i, 'did:plc:seed' || lpad(i::text, 12, '0'),
            (select id from pds_host order by id limit 1), case when i % 10 = 0 then 'failed' else 'complete' end, $1, $1
     from generate_series(1, ${ACCOUNTS}) i`,
    [now],
  )
  // finished moves pile up: a host evacuation is one per account on the host
  await pool.query(
    `insert into account_move (did, source_host_id, target_host_id, state, step, attempts, finished_at, created_at, updated_at)
     select 'did:plc:seed' || lpad(i::text, 12, '0'), h.id, h.id, case when i % 50 = 0 then 'rolled_back' else 'done' end, 'done', 1, $1, $1, $1
     from generate_series(1, ${ACCOUNTS / 2}) i, (select min(id) as id from pds_host) h`,
    [old],
  )
  await pool.query('analyze')
}

t.test(
  'hot-path queries use an index on a large database',
  { skip: POSTGRES_URL ? false : 'TEST_DATABASE_URL is not set' },
  async (t) => {
    const d = await openSeedable()
    t.teardown(() => d.close())
    await seed(d)
    const db = d.db
    const did = seedDid(31337)
    const other = seedDid(31338)
    const gone = seedDid(31339)
    const now = new Date().toISOString()
    const later = new Date(Date.now() + 3_600_000).toISOString()
    const called = new Set<string>()
    const stores = [
      new KyselyAccountStore(db),
      new KyselyRefreshTokenStore(db),
      new KyselyAppPasswordStore(db),
      new KyselyEmailTokenStore(db),
      new KyselyAccountDirectory(db),
      new KyselyHostRegistry(db),
      new KyselyInviteStore(db),
      new KyselySignupStore(db),
      new KyselyMoveJobStore(db),
      new KyselyAccountRoutes(db),
      new KyselyHostDirectory(db),
      new KyselyFleetDirectory(db),
    ] as const
    const [
      accounts,
      refresh,
      appPasswords,
      emailTokens,
      directory,
      hosts,
      invites,
      signups,
      moves,
      routes,
      hostDirectory,
      fleet,
    ] = stores.map((s) => recorded(s, called)) as unknown as typeof stores
    const hostId = async () => (await hosts.list())[0]!.id
    const hostId2 = async () => (await hosts.list())[1]!.id

    // Each operation a request or a periodic pass performs, by the name the issue gives it. Writes
    // run on accounts of their own, in an order that leaves each one's rows in place for the next.
    const operations: Record<string, () => Promise<unknown>> = {
      'login by handle': () => accounts.findByIdentifier('user31337.example.test'),
      'login by email': () => accounts.findByIdentifier('user31337@mail.test'),
      'login by DID': () => accounts.findByIdentifier(did),
      'app password login': () => appPasswords.findByHash(did, 'x:y31337'),
      getSession: () => accounts.getByDid(did),
      'refresh (get + rotate)': async () => {
        await refresh.get('rt31337')
        await refresh.rotate({
          id: 'rt31337',
          expiresAt: later,
          nextId: 'rt31337-next',
          successor: { id: 'rt31337-next', did, appPasswordName: null, expiresAt: later },
        })
      },
      'login: session row and old ones dropped': async () => {
        await refresh.insert({ id: 'rt-login', did, appPasswordName: 'app1', expiresAt: later })
        await refresh.deleteExpired(did, now)
      },
      'deleteSession (revoke by id or successor)': () => refresh.revoke('rt31337-next'),
      'revoke an app password': async () => {
        await appPasswords.create(other, {
          name: 'bench',
          passwordScrypt: 'x:z',
          privileged: false,
          createdAt: now,
        })
        await appPasswords.get(other, 'bench')
        await refresh.revokeByAppPassword(other, 'bench')
        await appPasswords.delete(other, 'bench')
      },
      'app passwords list': () => appPasswords.list(did),
      'email token check': async () => {
        await emailTokens.put({
          did: other,
          purpose: 'reset_password',
          token: 'tk',
          requestedAt: now,
        })
        await emailTokens.find(did, 'confirm_email', 'tok31337')
        await emailTokens.findByToken('reset_password', 'tok31337')
        await emailTokens.consume(other, 'reset_password', 'tk')
        await emailTokens.consumeByToken('reset_password', 'tk')
        await emailTokens.delete(other, 'confirm_email')
      },
      'account settings': async () => {
        await accounts.updatePassword(other, 'x:new')
        await accounts.updateEmail(other, 'other-new@mail.test')
        await accounts.confirmEmail(other, now)
        await accounts.setEmailAuthFactor(other, true)
        await accounts.setDeactivated(other, true, now)
        await accounts.setDeactivated(other, false, now)
        await accounts.setTakedown(other, 'mod-1', now)
        await accounts.setTakedown(other, null, now)
        await directory.setHandle(other, 'other-new.example.test')
        await directory.setInvitesDisabled(other, true)
      },
      'account deletion': async () => {
        await refresh.revokeByDid(gone)
        await appPasswords.deleteAll(gone)
        await emailTokens.deleteAll(gone)
        await accounts.markDeleted(gone, now)
      },
      'resolveHandle / well-known': async () => {
        await routes.didForHandle('user31337.example.test')
        await directory.getByHandle('user31337.example.test')
      },
      'proxied read route lookup': () => routes.hostUrlForDid(did),
      'sign-up: handle and email taken?': async () => {
        await directory.isHandleTaken('new-user.example.test')
        await directory.isEmailTaken('new-user@mail.test')
      },
      'sign-up: placement decision (host list + account counts)': async () => {
        await hosts.list()
        await hosts.accountCounts()
      },
      'sign-up: begin, advance, complete with an invite': async () => {
        const hid = await hostId()
        await signups.begin({
          id: 'ac-new',
          handle: 'new-user.example.test',
          email: 'new-user@mail.test',
          requestKey: 'rk-new',
          passwordScrypt: 'x:y',
          inviteCode: 'code-59999',
        })
        await signups.begin({
          id: 'ac-new2',
          handle: 'new-user.example.test',
          email: 'new-user2@mail.test',
          requestKey: 'rk-new2',
          passwordScrypt: 'x:y',
          inviteCode: null,
        })
        await signups.get('ac-new')
        await signups.advance('ac-new', 'pending', {
          state: 'key_reserved',
          did: 'did:plc:newnewnewnewnewnewnewnewn',
          hostId: hid,
        })
        await signups.complete(
          'ac-new',
          'key_reserved',
          {
            did: 'did:plc:newnewnewnewnewnewnewnewn',
            handle: 'new-user.example.test',
            email: 'new-user@mail.test',
            passwordScrypt: 'x:y',
            hostId: hid,
          },
          'code-59999',
        )
        await directory.getByDid('did:plc:newnewnewnewnewnewnewnewn')
        await invites.createCodes([
          { code: 'code-new', availableUses: 1, forAccount: did, createdBy: did },
        ])
      },
      'sign-up replay lookup': () => signups.findByRequestKey('rk31337'),
      'listRepos page': () => directory.list({ limit: 500, cursor: seedDid(20_000) }),
      'admin accounts page on one host': async () =>
        directory.list({ hostId: await hostId(), limit: 100 }),
      'admin searchAccounts (email prefix)': () =>
        accounts.search({ prefix: 'user3133', limit: 50, cursor: seedDid(1) }),
      'admin portal: account search, pages, one account': async () => {
        await fleet.listAccounts({ limit: 50, query: 'user3133' })
        await fleet.listAccounts({ limit: 50, cursor: seedDid(100) })
        await fleet.listAccounts({ limit: 50, before: seedDid(200) })
        await fleet.account(did)
        await fleet.hostForAccount(did)
        await fleet.hosts()
      },
      'admin portal: fleet page (hosts with account counts)': () => fleet.hostSummaries(),
      'invite codes of an account': () => invites.listForAccount(did, { includeUsed: true }),
      'invite code check': () => invites.getCode('code-31337'),
      'admin invite codes page': () => invites.listCodes({ sort: 'recent', limit: 100 }),
      'admin disables invites': () =>
        invites.disableCodes({ codes: ['code-31337'], accounts: [other] }),
      'health check pass': async () => {
        await hostDirectory.list()
        const h = (await hosts.list())[0]!
        await hosts.get(h.id)
        await hosts.getByUrl(h.url)
        await hosts.getByDid(h.did)
        await hosts.recordHealth(h.id, { ok: true, at: now }, 3)
      },
      'operator host changes': async () => {
        const h = await hosts.add({ url: 'https://pds9.example', did: 'did:web:pds9.example' })
        await hosts.update(h.id, { weight: 2 })
        await hosts.setStatus(h.id, 'enabled')
      },
      'sign-up reconciler pass': () => signups.listStale(new Date().toISOString(), 100),
      'account move: create, claim, switch, finish': async () => {
        const job = await moves.create({
          did,
          sourceHostId: await hostId(),
          targetHostId: await hostId2(),
        })
        await moves.claim('bench', 60_000)
        await moves.get(job.id)
        await moves.update(job.id, 'bench', { step: 'import' }, 60_000)
        await moves.switchHost(job.id, 'bench', { step: 'activate' }, 60_000)
        await moves.release(job.id, 'bench')
        await moves.list({ did, limit: 20 })
      },
      'proxy move gate refresh': () => moves.gateEntries(60_000),
    }

    const problems: string[] = []
    const explainer = d.pool!
    const partial = new Set(
      (
        await explainer.query<{ name: string }>(
          `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace where i.indpred is not null and n.nspname = current_schema()`,
        )
      ).rows.map((r) => r.name),
    )

    for (const [name, op] of Object.entries(operations)) {
      const statements = await capture(d, op)
      t.ok(statements.length > 0, `${name}: sends queries`)
      for (const s of statements) {
        const res = await explainer.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
          `explain (format json) ${s.text}`,
          s.values,
        )
        const scans = fullScans(res.rows[0]!['QUERY PLAN'][0]!.Plan, partial)
        if (scans.length)
          problems.push(
            `${name}: ${scans.join(', ')}\n    ${s.text.replace(/\s+/g, ' ').slice(0, 240)}`,
          )
      }
    }
    t.same(
      problems,
      [],
      `no full scan of a growing table on a hot path (${ACCOUNTS} accounts):\n${problems.join('\n')}`,
    )
    const unexercised = stores
      .flatMap((s) => methodsOf(s))
      .filter((m) => !called.has(m) && !(m in NOT_EXERCISED))
    t.same(unexercised, [], 'every store method ran under EXPLAIN (or says why not)')
  },
)
