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
  KyselySignupStore,
} from '@entryway/placement/postgres'
import { KyselyAccountRoutes, KyselyHostDirectory } from '@entryway/proxy/postgres'

// Every query on a per-request or per-pass path must use an index once the tables are large: a
// sequential scan of a table that grows with accounts is a cost that grows with the service. The
// test seeds a real Postgres with enough rows that the planner prefers an index wherever one
// serves, captures the SQL the stores send for each hot operation, and EXPLAINs each statement
// with its own parameters. (PGlite plans alike, but the seeding is what makes plans honest and it
// is slow there.)

t.setTimeout(300_000)

const ACCOUNTS = 60_000
/** Tables whose size grows with accounts, sign-ups or sessions. */
const GROWING = new Set([
  'account',
  'refresh_token',
  'app_password',
  'invite_code',
  'invite_code_use',
  'email_token',
  'account_creation',
])

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

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Index Cond'?: string
  Plans?: PlanNode[]
}

/**
 * Scans of growing tables that read the whole table: a Seq Scan, or an index scan with no
 * condition, unless a Limit stops it early (a page in index order) or the index is partial (it
 * holds only in-flight rows, bounded by the work in progress, not by the accounts).
 */
function fullScans(
  node: PlanNode,
  partial: ReadonlySet<string>,
  limited = false,
  out: string[] = [],
): string[] {
  const rel = node['Relation Name']
  if (rel && GROWING.has(rel)) {
    if (node['Node Type'] === 'Seq Scan') out.push(`Seq Scan on ${rel}`)
    else if (
      /Index( Only)? Scan/.test(node['Node Type']) &&
      !node['Index Cond'] &&
      !limited &&
      !partial.has(node['Index Name'] ?? '')
    ) {
      out.push(`${node['Node Type']} on ${rel} (${node['Index Name']}) with no index condition`)
    }
  }
  for (const p of node.Plans ?? [])
    fullScans(p, partial, limited || node['Node Type'] === 'Limit', out)
  return out
}

async function seed(d: Database): Promise<void> {
  const pool = d.pool!
  const now = new Date().toISOString()
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
     select 'rt' || i, 'did:plc:seed' || lpad(i::text, 12, '0'), null, $1, null, $2 from generate_series(1, ${ACCOUNTS}) i`,
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
    const did = 'did:plc:seed000000031337'
    const later = new Date(Date.now() + 3_600_000).toISOString()
    const accounts = new KyselyAccountStore(db)
    const refresh = new KyselyRefreshTokenStore(db)
    const appPasswords = new KyselyAppPasswordStore(db)
    const emailTokens = new KyselyEmailTokenStore(db)
    const directory = new KyselyAccountDirectory(db)
    const hosts = new KyselyHostRegistry(db)
    const invites = new KyselyInviteStore(db)
    const signups = new KyselySignupStore(db)
    const routes = new KyselyAccountRoutes(db)
    const hostDirectory = new KyselyHostDirectory(db)

    // Each operation a request or a periodic pass performs, by the name the issue gives it.
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
      'logout everywhere': () => refresh.revokeByDid(did),
      'expired refresh tokens': () => refresh.deleteExpired(did, new Date().toISOString()),
      'app passwords list': () => appPasswords.list(did),
      'email token check': async () => {
        await emailTokens.find(did, 'confirm_email', 'tok31337')
        await emailTokens.findByToken('reset_password', 'tok31337')
      },
      'resolveHandle / well-known': () => routes.didForHandle('user31337.example.test'),
      'proxied read route lookup': () => routes.hostUrlForDid(did),
      'sign-up: handle and email taken?': async () => {
        await directory.isHandleTaken('new-user.example.test')
        await directory.isEmailTaken('new-user@mail.test')
      },
      'sign-up: placement decision (host list + account counts)': async () => {
        await hosts.list()
        await hosts.accountCounts()
      },
      'listRepos page': () => directory.list({ limit: 500, cursor: 'did:plc:seed000000020000' }),
      'admin accounts page on one host': async () =>
        directory.list({ hostId: (await hosts.list())[0]!.id, limit: 100 }),
      'invite codes of an account': () => invites.listForAccount(did, { includeUsed: true }),
      'invite code check': () => invites.getCode('code-31337'),
      'admin invite codes page': () => invites.listCodes({ sort: 'recent', limit: 100 }),
      'health check pass': () => hostDirectory.list(),
      'sign-up reconciler pass': () => signups.listStale(new Date().toISOString(), 100),
      'sign-up replay lookup': () => signups.findByRequestKey('rk31337'),
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
  },
)
