import t from 'tap'
import { startFleet } from '@entryway/testkit'
import { buildGateway, envToCfg, envToSecrets, readEnv } from '../src/index.js'
import { signUp, within, xrpc, type Session } from './fault-helpers.js'
import { postgresBinDir, startPrivateCluster } from './fault-postgres-cluster.js'

// @serial-test: times 503s and recovery across a Postgres restart, so it runs alone.
t.setTimeout(240_000)

/** How long Postgres stays down. */
const OUTAGE_MS = 6_000
/** Requests needing the database must be refused within this while it is down (goal F5). */
const FAIL_FAST_MS = 2_000
/** …and work again within this once it is back. */
const RECOVERY_MS = 5_000

type Kind = 'read' | 'refresh' | 'login' | 'signup'
interface Sample {
  kind: Kind
  start: number
  end: number
  status: number
  error: string | null
}

t.test(
  'Postgres stops and starts under load: fast 503s, cached routing continues, recovery, no orphan sign-up',
  { skip: !postgresBinDir() && 'no PostgreSQL server binaries' },
  async (t) => {
    // a PRIVATE cluster: the machine's shared PostgreSQL is never stopped
    const cluster = await startPrivateCluster()
    t.teardown(() => cluster.destroy())
    const fleet = await startFleet({ pdsCount: 2, gateway: false, mail: false })
    t.teardown(() => fleet.stop())
    const env = readEnv({ ...fleet.gatewayEnv, DATABASE_URL: cluster.url })
    const cfg = envToCfg(env)
    const { app, database } = await buildGateway(cfg, envToSecrets(env), {
      logger: process.env.E2E_LOG === '1',
    })
    t.teardown(() => app.close())
    await app.listen({ port: fleet.entryway.port, host: cfg.service.host })
    const E = fleet.entryway.url

    // accounts with a record each: proxied reads of them are routed from the in-memory caches
    const users: (Session & { password: string; rkey: string })[] = []
    for (let i = 0; i < 4; i++) {
      const s = await signUp(E, 'pgf', i)
      const rec = await xrpc(E, 'com.atproto.repo.createRecord', {
        token: s.accessJwt,
        body: {
          repo: s.did,
          collection: 'app.bsky.feed.post',
          record: { text: `hi ${i}`, createdAt: new Date().toISOString() },
        },
      })
      if (rec.status !== 200)
        throw new Error(`createRecord: ${rec.status} ${JSON.stringify(rec.body)}`)
      users.push({
        ...s,
        password: `pw-${s.handle}`,
        rkey: String(rec.body!.uri).split('/').pop()!,
      })
    }

    const samples: Sample[] = []
    let stopLoad = false
    const t0 = performance.now()
    const now = () => performance.now() - t0
    const record = async (kind: Kind, call: () => ReturnType<typeof xrpc>) => {
      const start = now()
      const r = await call()
      samples.push({
        kind,
        start,
        end: now(),
        status: r.status,
        error: typeof r.body?.error === 'string' ? r.body.error : null,
      })
      return r
    }
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
    const loops = [
      // proxied reads, two workers
      ...[0, 1].map((w) => async () => {
        for (let i = w; !stopLoad; i++) {
          const u = users[i % users.length]!
          await record('read', () =>
            xrpc(E, 'com.atproto.repo.getRecord', {
              token: u.accessJwt,
              query: { repo: u.did, collection: 'app.bsky.feed.post', rkey: u.rkey },
            }),
          )
          await pause(20)
        }
      }),
      // refreshes (rotating each user's refresh token)
      async () => {
        for (let i = 0; !stopLoad; i++) {
          const u = users[i % users.length]!
          const r = await record('refresh', () =>
            xrpc(E, 'com.atproto.server.refreshSession', { method: 'POST', token: u.refreshJwt }),
          )
          if (r.status === 200) u.refreshJwt = String(r.body!.refreshJwt)
          await pause(150)
        }
      },
      // logins: slow enough to stay under the per-identifier limit (30 / 5 min)
      async () => {
        for (let i = 0; !stopLoad; i++) {
          const u = users[i % users.length]!
          await record('login', () =>
            xrpc(E, 'com.atproto.server.createSession', {
              body: { identifier: u.handle, password: u.password },
            }),
          )
          await pause(450)
        }
      },
    ]
    const load = Promise.all(loops.map((l) => l()))

    await pause(3_000)
    // sign-ups straddling the stop: some die before their first write, some between PDS and Postgres
    const signups: Promise<unknown>[] = []
    for (let i = 0; i < 6; i++) {
      signups.push(
        record('signup', () =>
          xrpc(E, 'com.atproto.server.createAccount', {
            body: {
              handle: `cut${Date.now().toString(36)}${i}.test`,
              email: `cut${i}-${Date.now()}@mail.test`,
              password: 'pw-cut-signup',
            },
            timeoutMs: 60_000,
          }),
        ),
      )
      await pause(120)
    }
    const stopIssued = now()
    await cluster.stop()
    const down = now()
    t.comment(`postgres stop issued at ${stopIssued.toFixed(0)} ms, down at ${down.toFixed(0)} ms`)
    await pause(OUTAGE_MS)
    const startIssued = now()
    await cluster.start()
    const up = now()
    t.comment(
      `postgres start issued at ${startIssued.toFixed(0)} ms, accepting at ${up.toFixed(0)} ms`,
    )
    await pause(RECOVERY_MS + 3_000)
    stopLoad = true
    await load
    await Promise.all(signups)

    const byKind = (kind: Kind, from: number, to: number) =>
      samples.filter((s) => s.kind === kind && s.start >= from && s.end <= to)
    const statuses = (xs: Sample[]) => [...new Set(xs.map((s) => s.status))].sort()
    const summary = (xs: Sample[]) =>
      JSON.stringify(
        Object.fromEntries(
          statuses(xs).map((st) => [st, xs.filter((s) => s.status === st).length]),
        ),
      )

    t.test('before the stop: everything succeeds', async (t) => {
      for (const kind of ['read', 'refresh', 'login'] as const) {
        const xs = byKind(kind, 0, stopIssued)
        t.ok(xs.length > 0, `${kind}: ${xs.length} requests`)
        t.same(statuses(xs), [200], `${kind} ${summary(xs)}`)
      }
    })

    t.test('while Postgres is down', async (t) => {
      const reads = byKind('read', down, startIssued)
      t.ok(reads.length > 20, `${reads.length} proxied reads`)
      t.same(
        statuses(reads),
        [200],
        `proxied reads of known accounts keep working from the route cache: ${summary(reads)}`,
      )
      for (const kind of ['refresh', 'login'] as const) {
        const xs = byKind(kind, down, startIssued)
        t.ok(xs.length > 0, `${kind}: ${xs.length} requests`)
        t.same(
          statuses(xs),
          [503],
          `${kind} needs the database: 503 ${summary(xs)} ${JSON.stringify([...new Set(xs.map((s) => s.error))])}`,
        )
        const slowest = Math.max(...xs.map((s) => s.end - s.start))
        t.ok(
          slowest <= FAIL_FAST_MS,
          `${kind}: slowest refusal ${slowest.toFixed(0)} ms ≤ ${FAIL_FAST_MS} ms`,
        )
      }
    })

    t.test('no 500 and no hang at any time', async (t) => {
      const bad = samples.filter((s) => s.status === 0 || s.status === 500)
      t.same(bad, [], 'no 500, no network failure, no timeout')
    })

    t.test('after Postgres returns: recovery within 5 s', async (t) => {
      for (const kind of ['refresh', 'login'] as const) {
        const after = samples.filter((s) => s.kind === kind && s.start >= up)
        const first = after.find((s) => s.status === 200)
        t.ok(first, `${kind} succeeds again`)
        const recovery = first ? first.end - up : Infinity
        t.ok(
          recovery <= RECOVERY_MS,
          `${kind}: first success ${recovery.toFixed(0)} ms after Postgres accepted connections`,
        )
        const late = after.filter((s) => s.start >= up + RECOVERY_MS)
        t.ok(late.length > 0)
        t.same(statuses(late), [200], `${kind} from 5 s on: ${summary(late)}`)
      }
      const rs = await xrpc(E, '_health')
      t.equal(rs.status, 200, 'health is green')
    })

    t.test('interrupted sign-ups leave no orphan once reconciled', async (t) => {
      const ups = samples.filter((s) => s.kind === 'signup')
      t.comment(
        `sign-ups around the stop: ${summary(ups)} ${JSON.stringify(ups.map((s) => s.error))}`,
      )
      t.same(
        ups.filter((s) => s.status !== 200 && s.status !== 503),
        [],
        'each sign-up either succeeded or got 503',
      )
      const before = await database.db
        .selectFrom('account_creation')
        .select(['handle', 'state'])
        .where('handle', 'like', 'cut%')
        .execute()
      t.comment(`sign-up rows before the reconciler: ${JSON.stringify(before.map((r) => r.state))}`)
      const report = await app.entrywayPlacement.reconciler.runOnce(0)
      t.comment(`reconciler: ${JSON.stringify(report)}`)
      const rows = await database.db
        .selectFrom('account_creation')
        .selectAll()
        .where('handle', 'like', 'cut%')
        .execute()
      t.equal(
        rows.filter((r) => !['complete', 'failed'].includes(r.state)).length,
        0,
        `every row settled: ${JSON.stringify(rows.map((r) => r.state))}`,
      )
      const hosts = new Map(
        (await database.db.selectFrom('pds_host').select(['id', 'url']).execute()).map((h) => [
          h.id,
          h.url,
        ]),
      )
      const admin = `Basic ${Buffer.from(`admin:${fleet.adminPassword}`).toString('base64')}`
      for (const r of rows) {
        if (!r.did) continue
        const account = await database.db
          .selectFrom('account')
          .select(['did', 'hostId'])
          .where('did', '=', r.did)
          .executeTakeFirst()
        let onPds = false
        for (const url of hosts.values()) {
          const res = await fetch(
            `${url}/xrpc/com.atproto.admin.getAccountInfo?did=${encodeURIComponent(r.did)}`,
            { headers: { authorization: admin } },
          )
          if (res.status === 200) onPds = true
        }
        t.equal(
          Boolean(account),
          onPds,
          `${r.handle} (${r.state}): account row ${account ? 'present' : 'absent'}, PDS account ${onPds ? 'present' : 'absent'}`,
        )
        t.equal(Boolean(account), r.state === 'complete')
      }
      // and no account row exists without its sign-up having completed
      const cutAccounts = await database.db
        .selectFrom('account')
        .select(['did', 'handle'])
        .where('handle', 'like', 'cut%')
        .execute()
      t.equal(
        cutAccounts.length,
        rows.filter((r) => r.state === 'complete').length,
        `${cutAccounts.length} accounts from the interrupted batch`,
      )
      const ok = await within(
        5_000,
        async () =>
          (
            await xrpc(E, 'com.atproto.server.createAccount', {
              body: {
                handle: `after${Date.now().toString(36)}.test`,
                email: `after-${Date.now()}@mail.test`,
                password: 'pw-after',
              },
              timeoutMs: 30_000,
            })
          ).status === 200,
      )
      t.ok(ok >= 0, 'sign-ups work again')
    })
  },
)
